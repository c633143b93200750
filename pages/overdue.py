"""Overdue actions: every overdue assignment, most overdue first, to chase and to download."""

import streamlit as st

from tracker.services import progress
from tracker.ui import controls, data, messages, panels, tables
from tracker.ui.format import long_date

tracker = data.connect()
as_of = controls.show_as_of_picker(tracker.report)
known_on = controls.show_known_on_picker()
filters = controls.show_filters(tracker, themes=False, organisations=True)

overdue = progress.overdue_rows(
    data.status_rows(tracker, as_of=as_of, filters=filters, known_on=known_on)
)
shown = controls.show_flag_filters(overdue, key="overdue")

st.title("Overdue actions")
st.caption(
    f"Assignments past their deadline and not yet implemented, as of {long_date(as_of)}, "
    "most overdue first."
)
messages.show_no_updates_yet(has_updates=tracker.has_updates)
panels.show_claims_rule()
count, downloads = st.columns([1, 2], vertical_alignment="bottom")
with count:
    panels.show_count(
        "Overdue assignments",
        len(shown),
        key="overdue_count",
        help_text="Past the deadline and neither implemented nor not applicable",
    )
if not shown:
    st.success("Nothing is overdue for this selection.")
    st.stop()
with downloads:
    tables.show_downloads(
        shown,
        name=f"overdue-{as_of.isoformat()}",
        key="overdue_download",
        about=data.export_about(tracker, as_of=as_of, filters=filters, known_on=known_on),
    )
tables.show_status_table(shown, columns=tables.OVERDUE_COLUMNS, key="overdue_table", height=420)
