"""My actions: what one organisation owes, most urgent first, each one click from recording."""

import streamlit as st

from tracker.services import actions, progress
from tracker.ui import actions as action_cards
from tracker.ui import controls, data, messages, session
from tracker.ui.format import long_date, plural

tracker = data.connect()
actor = session.current_actor()
as_of = controls.show_as_of_picker(tracker.report)
own = actor.role.value == "editor"

st.title("My actions")
st.caption("What is still to do. " + actions.ORDER_TEXT + f" As of {long_date(as_of)}.")
organisation = controls.show_organisation_picker(
    tracker,
    key="my_actions_org",
    label="Your organisation" if own else "Organisation",
    offered=(lambda o: o.id in actor.organisation_ids) if own else None,
    preferred=sorted(actor.organisation_ids),
)
messages.show_no_updates_yet(has_updates=tracker.has_updates)
rows = data.status_rows(
    tracker, as_of=as_of, filters=progress.Filters(organisation_ids=frozenset({organisation.id}))
)
found = actions.my_actions(rows)
may_record = session.may_record_for(organisation)

st.header(organisation.name)
action_cards.show_rounds(tracker, organisation.id, as_of)
action_cards.show_outcome()
if found.open:
    st.subheader(f"Still to do ({plural(len(found.open), 'recommendation')})")
else:
    st.success("Nothing outstanding: every recommendation is implemented or not applicable.")
for item in found.open:
    action_cards.show_item(
        tracker, item, organisation_name=organisation.name, may_record=may_record, today=as_of
    )
action_cards.show_done(found.done)
