"""The board's pieces: changes since a date, the meeting form, target-date slippage, back-dated
flags. Cached reads keyed on the data version, like ``tracker.ui.data``."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from tracker.db import get_engine
from tracker.movement import ChangeKind
from tracker.roles import Action, permits
from tracker.services import board as board_service
from tracker.services import changes, meetings, progress, rounds, slippage
from tracker.services.access import AccessDeniedError
from tracker.ui import data, session, tables
from tracker.ui.errors import show_error_summary
from tracker.ui.format import kind_label, long_date, plural, rag_label, recorded_on, status_label
from tracker.ui.text import escape_markdown, show_text

FILTERS_HASH = data._FILTERS_HASH
SINCE_KEY = "changes_since"
_SINCE_DEFAULT = "_changes_since_default"
MEETING_DATE_KEY = "meeting_date"
MEETING_BOARD_KEY = "meeting_board"
_MEETING_DONE = "_meeting_recorded"
_MEETING_PROBLEM = "_meeting_problem"


# --- Cached reads --------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=FILTERS_HASH)
def _changes(
    url: str,
    version: data.Version,
    since: date,
    as_of: date,
    known_on: datetime | None,
    filters: progress.Filters,
    _snapshot: progress.Snapshot,  # not hashed: url and version decide it
) -> changes.ChangeSet:
    return changes.changes_from(
        _snapshot,
        changes.recorded_between(
            engine=get_engine(url), since=since, as_of=as_of, known_on=known_on
        ),
        since=since,
        as_of=as_of,
        known_on=known_on,
        filters=filters,
    )


def change_set(
    tracker: data.Tracker,
    *,
    since: date,
    as_of: date,
    known_on: datetime | None = None,
    filters: progress.Filters | None = None,
) -> changes.ChangeSet:
    return _changes(
        tracker.url,
        tracker.version,
        since,
        as_of,
        known_on,
        filters or progress.Filters(),
        data.snapshot(tracker),
    )


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=FILTERS_HASH)
def _slippage(
    url: str,
    version: data.Version,
    as_of: date,
    known_on: datetime | None,
    filters: progress.Filters,
    _snapshot: progress.Snapshot,  # not hashed: url and version decide it
) -> list[slippage.AssignmentSlip]:
    return slippage.slippage_of(_snapshot, as_of=as_of, known_on=known_on, filters=filters)


def slips(
    tracker: data.Tracker,
    *,
    as_of: date,
    known_on: datetime | None = None,
    filters: progress.Filters | None = None,
) -> list[slippage.AssignmentSlip]:
    """Every assignment's deadline and target-date revisions as of a date."""
    return _slippage(
        tracker.url,
        tracker.version,
        as_of,
        known_on,
        filters or progress.Filters(),
        data.snapshot(tracker),
    )


# --- The since date and meetings -------------------------------------------------------------


def default_since(tracker: data.Tracker, as_of: date) -> tuple[date, meetings.MeetingInfo | None]:
    """The last meeting before the as-of date; without one, a month before it (the same rule
    as the overview and the board pack: ``services.board.default_since``)."""
    last = meetings.last_meeting(engine=tracker.engine, before=as_of)
    if last is not None:
        return last.held_on, last
    fallback = max(tracker.report.published, board_service.default_since(as_of))
    return min(fallback, as_of - timedelta(days=1)), None


def show_since_picker(tracker: data.Tracker, as_of: date) -> date:
    """The date to compare with: the last meeting by default. Says which meeting it is."""
    default, meeting = default_since(tracker, as_of)
    latest = as_of - timedelta(days=1)
    current = st.session_state.get(SINCE_KEY)
    # Follow the default (the last meeting moves when one is recorded, or the as-of date moves)
    # until the user picks a date of their own.
    if (
        not isinstance(current, date)
        or current == st.session_state.get(_SINCE_DEFAULT)
        or not tracker.report.published <= current <= latest
    ):
        st.session_state[SINCE_KEY] = st.session_state[_SINCE_DEFAULT] = default
    picked = st.date_input(
        "Changes since",
        key=SINCE_KEY,
        min_value=tracker.report.published,
        max_value=latest,
        format="DD/MM/YYYY",
        help="Compared with the picture at the end of this day. By default the last meeting "
        "recorded before the as-of date.",
    )
    since = picked if isinstance(picked, date) else default
    if meeting is not None and since == meeting.held_on:
        show_text(f"Since the meeting of {meeting.board} on {long_date(meeting.held_on)}.")
    elif meeting is None and since == default:
        st.caption(
            "No meeting is recorded before this date, so the comparison starts a month "
            "earlier. Monitors can record meetings below."
        )
    return since


def may_record_meetings() -> bool:
    """Monitors and administrators (the service checks again when one is recorded)."""
    return permits(session.current_actor(), Action.RECORD_MEETING)


def _record_meeting(tracker: data.Tracker) -> None:
    actor = session.live_actor(tracker.engine, keep=(MEETING_DATE_KEY, MEETING_BOARD_KEY))
    if actor is None:
        return
    try:
        meeting = meetings.add_meeting(
            engine=tracker.engine,
            actor=actor,
            held_on=st.session_state[MEETING_DATE_KEY],
            board=st.session_state.get(MEETING_BOARD_KEY, ""),
        )
    except meetings.MeetingRefusedError as exc:
        message = str(exc)
        field = MEETING_DATE_KEY if message.startswith("Meeting date:") else MEETING_BOARD_KEY
        st.session_state[_MEETING_PROBLEM] = (field, message)
        return
    except AccessDeniedError as exc:
        st.session_state[_MEETING_PROBLEM] = (None, str(exc))
        return
    st.session_state[_MEETING_DONE] = (
        f"Recorded: {meeting.board} met on {long_date(meeting.held_on)}."
    )
    st.session_state[MEETING_BOARD_KEY] = ""


def _meeting_problem() -> tuple[str | None, str] | None:
    found = st.session_state.get(_MEETING_PROBLEM)
    return found if isinstance(found, tuple) else None


def show_meeting_error_summary() -> None:
    """The error summary for a refused meeting, for the top of the page (the form is lower down)."""
    found = _meeting_problem()
    if found and found[0]:
        show_error_summary(
            [(found[0], found[1])],
            page_title="Changes since",
            lead="The meeting was not recorded. Correct what is marked, then record it again.",
        )


def _show_meeting_problem(field: str | None) -> None:
    found = _meeting_problem()
    if found and found[0] == field:
        # May quote the typed board name: escaped, so shown as typed.
        st.error(escape_markdown(found[1]), icon=":material/error:")


def show_meeting_form(tracker: data.Tracker) -> None:
    """Monitors and administrators record that a board met (the default comparison)."""
    _show_meeting_problem(None)  # refused for the person, not for a field
    with st.form("record_meeting", enter_to_submit=False, border=True):
        st.markdown("**Record a meeting**")
        st.date_input(
            "Meeting date",
            key=MEETING_DATE_KEY,
            value=date.today(),
            min_value=tracker.report.published,
            format="DD/MM/YYYY",
        )
        _show_meeting_problem(MEETING_DATE_KEY)
        st.text_input(
            "Board", key=MEETING_BOARD_KEY, max_chars=200, placeholder="For example, National board"
        )
        _show_meeting_problem(MEETING_BOARD_KEY)
        st.form_submit_button("Record the meeting", on_click=_record_meeting, args=(tracker,))
    st.session_state.pop(_MEETING_PROBLEM, None)  # shown once; the next submission checks again
    done = st.session_state.pop(_MEETING_DONE, None)
    if done:
        st.success(escape_markdown(done))


def show_meetings(tracker: data.Tracker) -> None:
    found = meetings.list_meetings(engine=tracker.engine)
    if not found:
        st.caption("No meetings recorded yet.")
        return
    frame = pd.DataFrame(
        {
            "Meeting date": [m.held_on for m in found],
            "Board": [m.board for m in found],
            "Recorded by": [m.recorded_by_name for m in found],
            "Recorded on": [recorded_on(m.recorded_at) for m in found],
        }
    )
    tables.show_table(
        frame, key="meetings_table", rag_columns=(), extra_config=_dates("Meeting date")
    )


# --- Changes -----------------------------------------------------------------------------------


def _dates(*labels: str) -> dict[str, Any]:
    """Date columns shown as "31 Oct 2023", as every other table shows them."""
    return {
        label: st.column_config.DateColumn(label, format=tables.DATE_FORMAT) for label in labels
    }


def change_words(kinds: Sequence[str]) -> str:
    return "; ".join(ChangeKind(k).label for k in kinds)


def movements_frame(found: changes.ChangeSet) -> pd.DataFrame:
    rows = [
        {
            "No.": m.recommendation_number,
            "Organisation": m.organisation,
            "Change": change_words(m.change),
            "RAG then": rag_label(m.from_rag),
            "RAG now": rag_label(m.to_rag),
            "Status then": status_label(m.from_status),
            "Status now": status_label(m.to_status),
            "Days overdue then": m.from_days_overdue or None,
            "Days overdue now": m.to_days_overdue or None,
            "Target then": m.from_target,
            "Target now": m.to_target,
            "Region": m.region,
        }
        for m in found.movements
    ]
    return pd.DataFrame(rows)


def updates_frame(found: changes.ChangeSet) -> pd.DataFrame:
    rows = [
        {
            "Recorded on": recorded_on(u.recorded_at),
            "Evidence date": u.evidence_date,
            "No.": u.recommendation_number,
            "Organisation": u.organisation,
            "Status said": status_label(u.status),
            "Back-dated": "Back-dated" if u.back_dated else "",
            "Recorded by": u.recorded_by,
        }
        for u in found.updates
    ]
    return pd.DataFrame(rows)


def silent_frame(found: changes.ChangeSet) -> pd.DataFrame:
    rows = [
        {
            "Organisation": s.organisation,
            "Kind of organisation": kind_label(s.organisation_kind),
            "Region": s.region,
            "Open assignments": s.open_assignments,
            "Last recorded": recorded_on(s.last_recorded) if s.last_recorded else "Never",
        }
        for s in found.silent
    ]
    return pd.DataFrame(rows)


def show_change_counts(found: changes.ChangeSet) -> None:
    figures = [
        ("Assignments moved", len(found.movements)),
        ("Newly overdue", found.counts.get(ChangeKind.NEWLY_OVERDUE.value, 0)),
        ("Newly implemented", found.counts.get(ChangeKind.NEWLY_IMPLEMENTED.value, 0)),
        ("Updates recorded", len(found.updates)),
        ("Silent organisations", len(found.silent)),
    ]
    for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, f"{value:,}")


def show_changes(found: changes.ChangeSet) -> None:
    show_change_counts(found)
    st.header("What moved")
    if found.movements:
        tables.show_table(
            movements_frame(found),
            key="changes_movements",
            rag_columns=("RAG then", "RAG now"),
            extra_config=_dates("Target then", "Target now"),
            height=min(600, 40 + 35 * len(found.movements)),
        )
    else:
        st.info("No assignment moved between these dates.")
    st.header("Updates recorded in between")
    if found.updates:
        back = sum(1 for u in found.updates if u.back_dated)
        if back:
            st.caption(
                f"{plural(back, 'update')} marked back-dated: recorded in between for evidence "
                "dated on or before the since date, so it changes a picture already seen."
            )
        tables.show_table(
            updates_frame(found),
            key="changes_updates",
            rag_columns=(),
            height=400,
            extra_config=_dates("Evidence date"),
        )
    else:
        st.info("Nothing was recorded between these dates.")
    st.header("Organisations that sent nothing in between")
    st.caption("Organisations with an assignment still open that recorded no update in between.")
    if found.silent:
        tables.show_table(silent_frame(found), key="changes_silent", rag_columns=(), height=400)
    else:
        st.success("Every organisation with open work recorded something in between.")


# --- Return rounds ------------------------------------------------------------------------------


def show_rounds_in_period(
    tracker: data.Tracker, *, since: date, as_of: date, filters: progress.Filters
) -> None:
    """The return rounds open at any time in the period, named, with who had returned by the
    as-of date (the Return rounds page has the detail)."""
    found = rounds.rounds_in_period(
        engine=tracker.engine, since=since, as_of=as_of, filters=filters
    )
    st.markdown("**Return rounds in this period**")
    if not found:
        st.caption("No return round was open between these dates.")
        return
    for item in found:
        show_text(item.describe())  # the round's name is typed by a monitor


# --- Slippage ----------------------------------------------------------------------------------


def slippage_frame(items: Sequence[slippage.AssignmentSlip]) -> pd.DataFrame:
    rows = [
        {
            "Organisation": s.organisation,
            "Deadline": s.deadline,
            "Current target": s.current_target,
            "Days slipped": s.days_slipped,
            "Revisions": s.revision_count,
            "Keeps moving": "Keeps moving" if s.keeps_moving else "",
            "Latest reason": s.latest_reason or "",
            "Given by": s.revisions[-1].recorded_by if s.revisions else "",
        }
        for s in sorted(items, key=lambda s: (-(s.days_slipped or 0), s.organisation))
        if s.revision_count
    ]
    return pd.DataFrame(rows)


def show_recommendation_slippage(items: Sequence[slippage.AssignmentSlip], *, key: str) -> None:
    """A recommendation's target dates: the roll-up in words, then each organisation that moved
    its date, most slipped first."""
    summaries = slippage.by_recommendation(items)
    summary = summaries[0] if summaries else None
    if summary is None or summary.rollup.revised == 0:
        st.caption("No organisation has revised its target date for this, as of this date.")
        return
    up = summary.rollup
    words = (
        f"{plural(up.revised, 'organisation')} of {up.assignments} revised the target date "
        f"({plural(up.revisions, 'revision')} in all)"
    )
    if up.max_days_slipped is not None and up.median_days_slipped is not None:
        words += (
            f"; the furthest is {plural(up.max_days_slipped, 'day')} after the deadline, the "
            f"median {plural(round(up.median_days_slipped), 'day')}"
        )
    st.markdown(words + ".")
    if summary.dates_keep_moving:
        st.warning(
            f"Dates keep moving: {plural(up.keeps_moving, 'organisation')} revised the target "
            "date twice or more."
        )
    tables.show_table(
        slippage_frame(items),
        key=key,
        rag_columns=(),
        height=300,
        extra_config=_dates("Deadline", "Current target"),
    )


def show_revision_history(items: Sequence[slippage.AssignmentSlip], *, key: str) -> None:
    """Every revision of one organisation's target dates, newest first."""
    rows = [
        {
            "No.": s.recommendation_number,
            "Given on": r.evidence_date,
            "From": r.previous,
            "To": r.target,
            "Reason": r.reason or "",
            "Given by": r.recorded_by,
            "Days slipped now": s.days_slipped,
        }
        for s in items
        for r in reversed(s.revisions)
    ]
    if not rows:
        st.caption("No target date has been revised, as of this date.")
        return
    moving = [s for s in items if s.keeps_moving]
    if moving:
        codes = ", ".join(s.recommendation for s in moving)
        st.warning(f"Dates keep moving on {codes}: revised twice or more.")
    frame = pd.DataFrame(rows).sort_values(["Given on", "No."], ascending=[False, True])
    tables.show_table(
        frame, key=key, rag_columns=(), height=300, extra_config=_dates("Given on", "From", "To")
    )
