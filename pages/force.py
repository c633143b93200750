"""Force: one force (or other organisation) or one region — assignments, evidence, comparison."""

import streamlit as st

from tracker.services import progress
from tracker.ui import (
    board,
    controls,
    data,
    history,
    messages,
    navigation,
    panels,
    session,
    tables,
)
from tracker.ui.format import kind_label, long_date

tracker = data.connect()
as_of = controls.show_as_of_picker(tracker.report)
everything = data.status_rows(tracker, as_of=as_of)
recommendations = data.recommendations(tracker)
arrived_for_history = "rec" in st.query_params  # the matrix drill-down links here with ?rec=

choice, picker = st.columns([1, 2], vertical_alignment="bottom")
with choice:
    view = controls.show_view_choice(
        key="force_view",
        options={"organisation": "A force or organisation", "region": "A region"},
        query_views={"org": "organisation", "region": "region"},
    )

if view == "region":
    controls.forget_query("force_org", "org")
    controls.forget_query("force_rec", "rec")
    with picker:
        region_id = controls.show_region_picker(tracker, key="force_region")
    rows = data.status_rows(
        tracker, as_of=as_of, filters=progress.Filters(region_ids=frozenset({region_id}))
    )
    st.title(rows[0].region or region_id if rows else region_id)
    st.caption(f"Every organisation in the region, as of {long_date(as_of)}.")
    messages.show_no_updates_yet(has_updates=tracker.has_updates)
    panels.show_headline_metrics(
        progress.national_rollup(rows), recommendations=len({r.recommendation for r in rows})
    )
    organisations, assignments, comparison = st.tabs(
        ["Organisations in the region", "Every assignment", "Compared with the other regions"]
    )
    with organisations:
        tables.show_organisation_rollups(rows, key="region_organisations")
    with assignments:
        tables.show_status_table(
            rows, columns=("organisation", *tables.ASSIGNMENT_COLUMNS), key="region_assignments"
        )
    with comparison:
        tables.show_region_table(everything, data.regions(tracker))
    st.stop()

controls.forget_query("force_region", "region")
with picker:
    organisation = controls.show_organisation_picker(tracker, key="force_org")
rows = data.status_rows(
    tracker, as_of=as_of, filters=progress.Filters(organisation_ids=frozenset({organisation.id}))
)
assigned = data.assigned_recommendations(tracker, organisation.id)

st.title(organisation.name)
st.caption(
    f"{kind_label(organisation.kind)}"
    + (f" in {organisation.region}" if organisation.region else "")
    + f". As of {long_date(as_of)}."
)
messages.show_no_updates_yet(has_updates=tracker.has_updates)
panels.show_headline_metrics(progress.national_rollup(rows), recommendations=len(assigned))

ASSIGNMENTS, HISTORY, COMPARISON, TARGETS = (
    "Assignments",
    "Evidence history",
    "Compared with others",
    "Target dates",
)
assignments, evidence, comparison, targets = st.tabs(
    [ASSIGNMENTS, HISTORY, COMPARISON, TARGETS],
    default=HISTORY if arrived_for_history else ASSIGNMENTS,
)
with assignments:
    tables.show_status_table(rows, key="force_assignments")
with evidence:
    focus = controls.show_recommendation_picker(
        assigned, key="force_rec", label="Show the history of", allow_all="All recommendations"
    )
    if session.may_record_for(organisation):
        navigation.show_page_link(
            "record",
            f"Record an update for {organisation.name}",
            org=organisation.id,
            **({"rec": focus} if focus else {}),
        )
    history.show_timeline(
        tracker,
        history.recent(tracker, organisation_id=organisation.id, as_of=as_of),
        as_of=as_of,
        titles={r.code: (r.title, r.verified) for r in recommendations},
        focus=focus,
        key="force_history",
    )
with comparison:
    st.caption("Against organisations of the same kind in its region and in England and Wales.")
    tables.show_comparison_table(progress.peer_comparison(everything, organisation.id))
with targets:
    st.caption(
        "Every revision of a target date, newest first, with the reason and who gave it. The "
        "deadline itself never moves: days slipped are the current target minus the deadline."
    )
    board.show_revision_history(
        board.slips(
            tracker,
            as_of=as_of,
            filters=progress.Filters(organisation_ids=frozenset({organisation.id})),
        ),
        key="force_targets",
    )
