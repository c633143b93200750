"""Audit trail: every write and refused attempt, filterable and downloadable; the chain's state
at the top. For administrators and monitors (the service refuses anyone else)."""

from datetime import date

import streamlit as st

from tracker.services import audit_log
from tracker.services.access import AccessDeniedError
from tracker.ui import data
from tracker.ui.session import current_actor
from tracker.ui.text import escape_markdown

EVERYONE = "Everyone"
EVERY_ACTION = "Every action"
OUTCOMES = {"Any outcome": None, "Done": "done", "Refused": "refused", "Failed": "failed"}
SHOWN = 5_000

tracker = data.connect()
actor = current_actor()
st.title("Audit trail")
try:
    check = audit_log.verify(engine=tracker.engine, actor=actor)
    actions, users = audit_log.filter_choices(engine=tracker.engine, actor=actor)
except AccessDeniedError as refused:
    st.error(escape_markdown(str(refused)), icon=":material/block:")
    st.stop()

if check.ok:
    st.success(
        f"Chain intact: {check.events_checked} events, each sealed by the one before.",
        icon=":material/verified:",
    )
else:
    st.error(escape_markdown(audit_log.describe_break(check)), icon=":material/gpp_bad:")
st.caption(
    "Every write, refused attempt, failed sign-in and catalogue reload appends an event. Each "
    "carries a SHA-256 over its content and the previous event's hash, so changing or removing "
    "any stored event breaks the chain from there on."
)

who, what, result, since, until = st.columns(5)
user = who.selectbox("User", [EVERYONE, *users], key="audit_user")
action = what.selectbox("Action", [EVERY_ACTION, *actions], key="audit_action")
outcome = result.selectbox("Outcome", list(OUTCOMES), key="audit_outcome")
day_from: date | None = since.date_input("From", value=None, format="DD/MM/YYYY", key="audit_from")
day_to: date | None = until.date_input("To", value=None, format="DD/MM/YYYY", key="audit_to")

filters = audit_log.Filters(
    since=day_from,
    until=day_to,
    user=None if user == EVERYONE else user,
    action=None if action == EVERY_ACTION else action,
    outcome=OUTCOMES[outcome],
)
rows = audit_log.list_events(engine=tracker.engine, actor=actor, filters=filters)
if not rows:
    st.info("No audit events match these filters.")
    st.stop()

st.download_button(
    "Download as CSV",
    data=audit_log.csv_text(rows),
    file_name="audit-trail.csv",
    mime="text/csv",
    icon=":material/download:",
    key="audit_download",
    on_click="ignore",
)
if len(rows) > SHOWN:
    st.caption(f"Showing the newest {SHOWN:,} of {len(rows):,} events; the download has them all.")
# A dataframe shows every value as text: nothing typed by a user becomes markup here.
st.dataframe(
    [
        {
            "Event": r.id,
            "When": audit_log.when(r.occurred_at),
            "Who": r.actor,
            "Role": r.actor_role,
            "Action": r.action,
            "Outcome": r.outcome,
            "Object": f"{r.object_type} {r.object_id}".strip(),
            "Message": r.message,
            "Before": r.before or "",
            "After": r.after or "",
        }
        for r in rows[:SHOWN]
    ],
    hide_index=True,
    key="audit_table",
)
