"""Record an update: one organisation's progress on one recommendation, with its evidence."""

import streamlit as st

from tracker.ui import controls, data, record, session

tracker = data.connect()
actor = session.current_actor()

st.title("Record an update")
st.caption(
    "Say how far an organisation has got with one recommendation, and what shows it. "
    "Updates are added to the record; earlier ones are kept."
)
record.show_open_mode_notice()

left, right = st.columns(2)
with left:
    # Only the organisations this user may record for, opening on their own.
    organisation = controls.show_organisation_picker(
        tracker,
        key=record.ORG_KEY,
        label="Organisation",
        offered=session.may_record_for,
        preferred=sorted(actor.organisation_ids),
    )
with right:
    code = controls.show_recommendation_picker(
        data.assigned_recommendations(tracker, organisation.id),
        key=record.REC_KEY,
        label="Recommendation",
        help_text="Only the recommendations this organisation is accountable for",
    )
if code is None:
    st.info("This organisation is not accountable for any recommendation.")
    st.stop()

record.show_record_form(
    tracker, organisation_id=organisation.id, organisation=organisation.name, recommendation=code
)
