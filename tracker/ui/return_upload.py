"""The "Upload a return" page's pieces: the template download and the previewed upload.

The preview is kept in session state with the file's bytes, so "Confirm" stores exactly what
was shown (the service plans again and refuses if the record changed in between).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from tracker.return_sheet import MAX_RETURN_BYTES
from tracker.services import return_sheets, rounds
from tracker.services.access import AccessDeniedError, Actor, Role
from tracker.ui import controls, data, session
from tracker.ui.format import long_date
from tracker.ui.text import show_text

ORG_KEY = "returns_org"
ROUND_KEY = "returns_round"
UPLOAD_KEY_PREFIX = "returns_file"
CONFIRM_KEY = "returns_confirm"
_PREVIEW = "_returns_preview"
_DONE = "_returns_done"
_ROUND = "_returns_upload_round"


@dataclass(frozen=True)
class _Pending:
    sha256: str
    name: str
    content: bytes
    preview: return_sheets.ReturnPreview


def _upload_key() -> str:
    return f"{UPLOAD_KEY_PREFIX}_{st.session_state.get(_ROUND, 0)}"


def show_template_download(tracker: data.Tracker, actor: Actor) -> None:
    st.header("Download a return template")
    st.caption(
        "One row for each recommendation the organisation has not finished, filled in with "
        "its latest update. Change what has moved on, then upload the file below."
    )

    def offered(option: data.OrganisationOption) -> bool:
        # An editor fills in its own returns; monitors and administrators may send any.
        return actor.role != Role.EDITOR or option.id in actor.organisation_ids

    organisation = controls.show_organisation_picker(
        tracker,
        key=ORG_KEY,
        label="Organisation",
        offered=offered,
        preferred=sorted(actor.organisation_ids),
    )
    today = controls.today()
    open_rounds = {
        info.name: info
        for info, _ in rounds.rounds_for(
            engine=tracker.engine, organisation_id=organisation.id, as_of=today
        )
    }
    chosen: str | None = None
    if open_rounds:
        chosen = st.selectbox(
            "Return round",
            options=list(open_rounds),
            format_func=lambda n: f"{n} (due {long_date(open_rounds[n].due_date)})",
            index=None,
            placeholder="Not for a round: every unfinished recommendation",
            key=ROUND_KEY,
        )
    scope = (
        return_sheets.round_scope(
            engine=tracker.engine, name=chosen, organisation_id=organisation.id, today=today
        )
        if chosen
        else None
    )
    st.download_button(
        f"Download the return template for {organisation.name}",
        data=lambda: return_sheets.template(
            engine=tracker.engine,
            actor=actor,
            organisation_id=organisation.id,
            today=today,
            round_scope=scope,
        )[1],
        file_name=f"return-{organisation.id}-{controls.today().isoformat()}.xlsx",
        mime=return_sheets.XLSX_TYPE,
        key="returns_template",
        icon=":material/download:",
        on_click="ignore",
    )


def show_upload(tracker: data.Tracker, actor: Actor) -> None:
    st.header("Upload a filled-in return")
    st.caption(
        "You will see exactly what will change before anything is stored. Rows left as the "
        "template had them are not stored. If any row has a problem, nothing is stored."
    )
    done = st.session_state.pop(_DONE, None)
    if isinstance(done, tuple) and done[0] == "stored":
        st.success(done[1])
    elif isinstance(done, tuple):
        st.error("Nothing was stored.")
        show_text(done[1])
    uploaded = st.file_uploader(
        "Return (.xlsx, at most 5 MB)",
        type=["xlsx"],
        key=_upload_key(),
        max_upload_size=max(1, MAX_RETURN_BYTES // (1024 * 1024)),
    )
    if uploaded is None:
        st.session_state.pop(_PREVIEW, None)
        return
    # The size is known before the file is read: an oversized file is refused unread.
    if uploaded.size > MAX_RETURN_BYTES:
        st.error(
            f"The file is {uploaded.size / 2**20:.1f} MB; a return can be at most "
            f"{MAX_RETURN_BYTES // 2**20} MB. Nothing was read or stored."
        )
        return
    content = uploaded.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    pending = st.session_state.get(_PREVIEW)
    if not isinstance(pending, _Pending) or pending.sha256 != digest:
        try:
            preview = return_sheets.preview(
                engine=tracker.engine,
                actor=actor,
                content=content,
                file_name=uploaded.name,
                today=controls.today(),
            )
        except return_sheets.ReturnRejectedError as exc:
            _show_problems(exc.problems)
            return
        except AccessDeniedError as exc:
            st.error("This file was refused as a whole; nothing was stored.")
            show_text(str(exc))
            return
        pending = _Pending(digest, uploaded.name, content, preview)
        st.session_state[_PREVIEW] = pending
    _show_preview(pending.preview)
    if pending.preview.ok and pending.preview.to_store:
        st.button(
            f"Confirm: store {len(pending.preview.to_store)} update(s)",
            type="primary",
            key=CONFIRM_KEY,
            on_click=_confirm,
            args=(tracker,),
        )


def _show_problems(problems: Sequence[return_sheets.SheetProblem]) -> None:
    st.error(
        f"Nothing was stored: {len(problems)} problem{'s' if len(problems) != 1 else ''} "
        "to fix in the file. Rows and columns are as your spreadsheet shows them."
    )
    for problem in problems:
        show_text(str(problem))


def _when(day: date | None) -> str:
    return long_date(day) if day else "—"


_words = return_sheets.status_words


def _show_preview(preview: return_sheets.ReturnPreview) -> None:
    st.subheader("What this return will change")
    round_words = f", round {preview.round_name}" if preview.round_name else ""
    show_text(f"Return for {preview.organisation}{round_words}, from {preview.file_name}")
    if preview.problems:
        _show_problems(list(preview.problems))
        return
    st.info(preview.summary())
    frame = pd.DataFrame(
        [
            {
                "Row": r.row,
                "Recommendation": r.recommendation,
                "What happens": r.outcome.label,
                "Status": f"{_words(r.status_from)} → {_words(r.status_to)}",
                "Evidence date": f"{_when(r.evidence_date_from)} → {_when(r.evidence_date_to)}",
                "Revised target date": (
                    f"{_when(r.target_date_from)} → {_when(r.target_date_to)}"
                    if r.target_date_from != r.target_date_to
                    else "no change"
                ),
                "Evidence (start)": (
                    f"{r.narrative_from or '—'} → {r.narrative_to}"
                    if r.narrative_from != r.narrative_to
                    else "no change"
                ),
            }
            for r in preview.rows
        ]
    )
    # Cells of a data frame are drawn as plain text: nothing typed is read as Markdown or HTML.
    st.dataframe(frame, hide_index=True, width="stretch")


def _confirm(tracker: data.Tracker) -> None:
    pending = st.session_state.get(_PREVIEW)
    actor = session.live_actor(tracker.engine)
    if actor is None or not isinstance(pending, _Pending):
        return
    try:
        result = return_sheets.confirm(
            engine=tracker.engine,
            actor=actor,
            content=pending.content,
            file_name=pending.name,
            plan_digest=pending.preview.plan_digest,
            today=controls.today(),
        )
    except (
        return_sheets.ReturnRejectedError,
        return_sheets.ReturnChangedError,
        AccessDeniedError,
    ) as exc:
        st.session_state.pop(_PREVIEW, None)
        st.session_state[_DONE] = ("refused", str(exc))
        return
    st.session_state.pop(_PREVIEW, None)
    st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1  # empties the uploader
    st.session_state[_DONE] = (
        "stored",
        f"Stored {result.stored} update{'s' if result.stored != 1 else ''} for "
        f"{result.organisation}.",
    )
