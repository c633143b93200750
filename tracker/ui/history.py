"""An organisation's evidence history as a timeline: newest first, grouped by recommendation."""

from collections.abc import Sequence
from datetime import date

import streamlit as st

from tracker import store
from tracker.db import get_engine
from tracker.evidence import safe_file_name
from tracker.movement import BACK_DATED_AFTER_DAYS, days_late, is_back_dated
from tracker.services import timeline
from tracker.store_redaction import RedactionMark
from tracker.ui import data
from tracker.ui.format import (
    UNVERIFIED_NOTE,
    long_date,
    plural,
    recorded_on,
    status_label,
    titled,
)
from tracker.ui.text import file_label, show_links, show_text


def recorded_line(update: store.UpdateRecord) -> str:
    """Who recorded an update, for whom, and when: shown as text (the names were typed)."""
    on_behalf = f" on behalf of {update.on_behalf_of}" if update.on_behalf_of else ""
    imported = {"import": " (imported from a file)", "return": " (from a return spreadsheet)"}.get(
        update.source, ""
    )
    when = recorded_on(update.recorded_at)
    return f"Recorded by {update.recorded_by}{on_behalf} on {when}{imported}"


def back_dated_note(update: store.UpdateRecord) -> str | None:
    """ "Back-dated: recorded 45 days after the date its evidence speaks for", or None."""
    if not is_back_dated(update.evidence_date, update.recorded_at):
        return None
    late = days_late(update.evidence_date, update.recorded_at)
    return (
        f"Back-dated: recorded {late} days after the date its evidence speaks for "
        f"(more than {BACK_DATED_AFTER_DAYS})."
    )


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def redaction_note(what: str, mark: RedactionMark) -> str:
    """Who blanked personal data, when and why (the content itself is gone)."""
    return (
        f"{what} redacted on {recorded_on(mark.redacted_at)} by {mark.redacted_by}: {mark.reason}"
    )


def show_update(tracker: data.Tracker, update: store.UpdateRecord, *, key: str) -> None:
    """One update: evidence date, status, narrative, links, files and who recorded it."""
    with st.container(border=True):
        st.markdown(f"**{long_date(update.evidence_date)}** · {status_label(update.status)}")
        show_text(update.narrative)
        if update.redaction:
            show_text(redaction_note("Narrative", update.redaction))
        show_links(update.links)
        if update.revised_target_date:
            st.markdown(f"Revised target date {long_date(update.revised_target_date)}")
            if update.revision_reason:
                show_text(f"Reason: {update.revision_reason}")
        for attachment in update.attachments:
            if attachment.redaction:
                show_text(redaction_note(safe_file_name(attachment.filename), attachment.redaction))
                continue
            st.download_button(
                f"{file_label(attachment.filename)} ({_size(attachment.size_bytes)})",
                data=data.attachment_loader(tracker, attachment.id),
                file_name=safe_file_name(attachment.filename),
                mime=attachment.content_type,
                key=f"{key}_file_{attachment.id}",
                icon=":material/attach_file:",
                on_click="ignore",
            )
        show_text(recorded_line(update))
        late = back_dated_note(update)
        if late:
            st.caption(late)


@st.cache_data(show_spinner=False, max_entries=64)
def _recent(
    url: str, version: data.Version, organisation_id: str, as_of: date
) -> timeline.Timeline:
    return timeline.recent_history(
        engine=get_engine(url), organisation_id=organisation_id, as_of=as_of
    )


def recent(tracker: data.Tracker, *, organisation_id: str, as_of: date) -> timeline.Timeline:
    """The organisation's newest updates of each recommendation up to the as-of date."""
    return _recent(tracker.url, tracker.version, organisation_id, as_of)


def show_timeline(
    tracker: data.Tracker,
    found: timeline.Timeline,
    *,
    as_of: date,
    titles: dict[str, tuple[str, bool]],
    focus: str | None = None,
    key: str,
) -> None:
    """Updates up to the as-of date, newest first; one section a recommendation.

    ``titles`` maps a recommendation code to (title, verified). With ``focus`` only that
    recommendation's updates are shown.
    """
    shown = list(found.updates)
    if focus:
        shown = [u for u in shown if u.recommendation == focus]
    if found.later:
        st.caption(
            f"{plural(found.later, 'update')} with evidence dated after {long_date(as_of)} "
            "not shown: move the as-of date forward to see them."
        )
    if not shown:
        st.info("No updates recorded for this yet, as of this date.")
        return
    groups: dict[str, list[store.UpdateRecord]] = {}
    for update in shown:  # already newest first
        groups.setdefault(update.recommendation, []).append(update)
    order = sorted(groups, key=lambda code: int(code.lstrip("R")))
    if not focus and any(not titles.get(code, ("", True))[1] for code in order):
        st.caption(UNVERIFIED_NOTE)
    for code in order:
        title, verified = titles.get(code, ("", True))
        total = found.counts.get(code, len(groups[code]))
        heading = f"{code} {titled(title, verified)} · {plural(total, 'update')}"
        if focus or len(order) == 1:
            st.markdown(f"#### {heading}")
            _show_recent(tracker, groups[code], total, shown=found.shown, key=key)
        else:
            with st.expander(heading):
                _show_recent(tracker, groups[code], total, shown=found.shown, key=key)


def _show_recent(
    tracker: data.Tracker,
    updates: Sequence[store.UpdateRecord],
    total: int,
    *,
    shown: int,
    key: str,
) -> None:
    for update in updates[:shown]:
        show_update(tracker, update, key=key)
    if total > shown:
        st.caption(
            f"The {shown} most recent of {plural(total, 'update')} "
            "are shown; the export (`tracker export`) holds every one."
        )
