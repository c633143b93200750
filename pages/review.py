"""Review queue: monitors accept claimed implementation, or return it with a reason."""

import streamlit as st

from tracker.ui import data, panels, review, session

tracker = data.connect()

st.title("Review queue")
st.caption(
    "Claims that a recommendation is implemented or not applicable, waiting for a monitor, oldest "
    "first. Accept a claim when the evidence shows it; return it with a reason the organisation "
    "must answer. Decisions are kept and cannot be changed."
)
panels.show_claims_rule()
review.show_review_queue(tracker, actor=session.current_actor())
