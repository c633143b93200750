"""Spreadsheet returns: make an organisation's return template, preview an upload, store it.

A filled-in return is read (``tracker.return_sheet``), then every row is planned: what it will
change (from → to), or that it was left as the template had it (not stored), or that it is
already recorded (stored before: a second upload of the same file stores nothing). Any problem
anywhere rejects the whole file. ``confirm`` plans again inside the write transaction and
stores only if the plan is still the one the person saw.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker import return_sheet, store
from tracker.db import read_session, write_session
from tracker.evidence import (
    UpdateDraft,
    UpdateRejectedError,
    check_draft,
    parse_links,
    parse_status,
)
from tracker.return_sheet import HEADERS, ReadReturn, SheetProblem, SheetRow, TemplateRow
from tracker.rules import RAG_LABELS, Rag, ReviewState, Status
from tracker.services import audit as audit_trail
from tracker.services import progress
from tracker.services.access import (
    AccessDeniedError,
    Action,
    Actor,
    authorise,
    organisation_names,
    record_refusal,
    refusal_for,
)
from tracker.services.updates import _new_update
from tracker.settings import get_settings
from tracker.text import MAX_NAME, MAX_NARRATIVE, MAX_REASON, TextError, clean_text

__all__ = [
    "ReturnChangedError",
    "ReturnPreview",
    "ReturnRejectedError",
    "ReturnResult",
    "RowOutcome",
    "RowPlan",
    "SheetProblem",
    "confirm",
    "preview",
    "template",
]

EXCERPT = 80
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RowOutcome(StrEnum):
    CHANGE = "change"  # a new update will be stored
    GOES_BACK = "goes_back"  # says again what an earlier update said: stored, status goes back
    UNCHANGED = "unchanged"  # left exactly as the template had it: nothing stored
    ALREADY_RECORDED = "already_recorded"  # says what the latest update says: nothing stored

    @property
    def label(self) -> str:
        return {
            RowOutcome.CHANGE: "Will be stored",
            RowOutcome.GOES_BACK: "Will be stored (says again what an earlier update said)",
            RowOutcome.UNCHANGED: "Left as it was: not stored",
            RowOutcome.ALREADY_RECORDED: "Already recorded: not stored again",
        }[self]

    @property
    def stores(self) -> bool:
        return self in (RowOutcome.CHANGE, RowOutcome.GOES_BACK)


@dataclass(frozen=True)
class RowPlan:
    """One row of the upload and exactly what it will do."""

    row: int
    recommendation: str
    outcome: RowOutcome
    status_from: str | None
    status_to: str
    evidence_date_from: date | None
    evidence_date_to: date | None
    target_date_from: date | None
    target_date_to: date | None
    narrative_from: str
    narrative_to: str
    links_changed: bool = False


@dataclass(frozen=True)
class ReturnPreview:
    organisation_id: str
    organisation: str
    round_name: str | None
    file_name: str
    file_sha256: str
    rows: tuple[RowPlan, ...]
    problems: tuple[SheetProblem, ...]
    plan_digest: str

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def to_store(self) -> tuple[RowPlan, ...]:
        return tuple(r for r in self.rows if r.outcome.stores)

    def rows_with(self, outcome: RowOutcome) -> tuple[int, ...]:
        return tuple(r.row for r in self.rows if r.outcome == outcome)

    def summary(self) -> str:
        """One paragraph saying what confirming would do, in words."""
        if self.problems:
            return (
                f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} "
                "to fix in the file; nothing can be stored until every one is fixed."
            )
        parts = (
            [
                f"{len(self.to_store)} update{'s' if len(self.to_store) != 1 else ''} "
                f"will be stored for {self.organisation}."
            ]
            if self.to_store
            else ["Nothing to store: this file adds nothing to the record."]
        )
        unchanged = self.rows_with(RowOutcome.UNCHANGED)
        if unchanged:
            parts.append(
                f"{len(unchanged)} row{'s' if len(unchanged) != 1 else ''} left as the "
                f"template had {'them' if len(unchanged) != 1 else 'it'} "
                f"({_row_list(unchanged)}): not stored."
            )
        already = self.rows_with(RowOutcome.ALREADY_RECORDED)
        if already:
            parts.append(
                f"{len(already)} row{'s' if len(already) != 1 else ''} already recorded "
                f"({_row_list(already)}): not stored again."
            )
        return " ".join(parts)


@dataclass(frozen=True)
class ReturnResult:
    organisation: str
    stored: int
    update_ids: tuple[int, ...]
    unchanged_rows: tuple[int, ...]
    already_recorded_rows: tuple[int, ...]
    went_back_rows: tuple[int, ...] = field(default_factory=tuple)


class ReturnRejectedError(ValueError):
    """The return has problems; nothing was stored. ``problems`` name the sheet's rows."""

    def __init__(self, file_name: str, problems: Sequence[SheetProblem]) -> None:
        self.file_name = file_name
        self.problems = list(problems)
        lines = [f"{file_name}: nothing was stored; {len(self.problems)} problem(s) to fix:"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ReturnChangedError(RuntimeError):
    """The record changed between the preview and the confirmation; nothing was stored."""


def _row_list(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:12])
    return f"row{'s' if len(rows) != 1 else ''} {shown}{', …' if len(rows) > 12 else ''}"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


@dataclass(frozen=True)
class RoundScope:
    """A return round, as far as a template needs it."""

    id: int
    name: str
    due: date
    recommendations: tuple[str, ...]  # empty: every recommendation
    # The recommendations the organisation still owes the round an update on.
    outstanding: tuple[str, ...] = ()


def round_scope(
    *, engine: Engine, name: str, organisation_id: str, today: date | None = None
) -> RoundScope:
    """The open round called ``name`` that asks this organisation, for its template."""
    from tracker.services import rounds

    day = today or date.today()
    found = rounds.find_round(engine=engine, name=name)
    if not found.is_open(day):
        raise rounds.RoundError(f"The return round {found.name!r} is closed.")
    if organisation_id not in found.organisation_ids:
        raise rounds.RoundError(
            f"The return round {found.name!r} does not ask {organisation_id!r} for a return."
        )
    outstanding: tuple[str, ...] = ()
    for info, standing in rounds.rounds_for(
        engine=engine, organisation_id=organisation_id, as_of=day
    ):
        if info.id == found.id:
            outstanding = standing.outstanding
    return RoundScope(
        id=found.id,
        name=found.name,
        due=found.due_date,
        recommendations=found.recommendations,
        outstanding=outstanding,
    )


# --- The template -------------------------------------------------------------------------


def _standing(row: progress.StatusRow) -> str:
    words = RAG_LABELS[Rag(row.rag)]
    if row.overdue:
        words += f" by {row.days_overdue} day{'s' if row.days_overdue != 1 else ''}"
    if row.stale:
        words += "; stale (no recent update)"
    if row.review == ReviewState.AWAITING.value:
        words += "; claimed – awaiting review"
    if row.review == ReviewState.RETURNED.value:
        words += "; returned for more evidence"
        if row.return_reason:
            words += f": {row.return_reason}"
    return words


def template(
    *,
    engine: Engine,
    actor: Actor,
    organisation_id: str,
    today: date | None = None,
    round_scope: RoundScope | None = None,
) -> tuple[str, bytes]:
    """The return template for one organisation: (file name, workbook bytes).

    One row per open assignment (the validated status is neither implemented nor not
    applicable), pre-filled with what its latest update said. A round narrows the rows to the
    recommendations in its scope.
    """
    authorise(engine=engine, actor=actor, action=Action.READ, organisation_id=organisation_id)
    day = today or date.today()
    snapshot = progress.load_snapshot(engine=engine)
    filters = progress.Filters(
        organisation_ids=frozenset({organisation_id}),
        recommendations=frozenset(round_scope.recommendations if round_scope else ()),
    )
    rows = [
        r
        for r in progress.status_rows_from(snapshot, as_of=day, filters=filters)
        if not Status(r.status).is_closed
    ]
    if not any(r.organisation_id == organisation_id for r in snapshot.records):
        raise LookupError(f"{organisation_id!r} is not accountable for any recommendation.")
    history = {
        u.id: u for u in progress.update_history(engine=engine, organisation_ids=[organisation_id])
    }
    with read_session(engine) as session:
        seen = store.data_version(session=session).last_update_id
    name = next(r.organisation for r in snapshot.records if r.organisation_id == organisation_id)
    template_rows = []
    for row in sorted(rows, key=lambda r: r.recommendation_number):
        last = history.get(row.last_update_id) if row.last_update_id else None
        template_rows.append(
            TemplateRow(
                assignment_id=row.assignment_id,
                prefilled_update_id=last.id if last else None,
                recommendation=row.recommendation,
                title=row.recommendation_title,
                deadline=row.deadline,
                standing=_standing(row)
                + (
                    f"; needed for the {round_scope.name} return by {_day(round_scope.due)}"
                    if round_scope and row.recommendation in round_scope.outstanding
                    else ""
                ),
                status=last.status if last else Status.NOT_STARTED,
                evidence_date=last.evidence_date if last else None,
                narrative=last.narrative if last else "",
                links=last.links if last else (),
                revised_target_date=last.revised_target_date if last else None,
                revision_reason=last.revision_reason if last else None,
            )
        )
    info = return_sheet.TemplateInfo(
        organisation_id=organisation_id,
        organisation=name,
        report_title=snapshot.report.title,
        made_at=datetime.now(UTC),
        made_by=actor.display_name,
        updates_seen=seen,
        round_id=round_scope.id if round_scope else None,
        round_name=round_scope.name if round_scope else None,
        round_due=round_scope.due if round_scope else None,
    )
    stem = f"return-{organisation_id}-{day.isoformat()}"
    if round_scope:
        stem += f"-round-{round_scope.id}"
    return f"{stem}.xlsx", return_sheet.build_workbook(info, template_rows)


# --- Reading and planning an upload --------------------------------------------------------


@dataclass(frozen=True)
class _Said:
    """What an update says, in the terms a sheet row can say it (no files)."""

    status: Status
    evidence_date: date | None
    narrative: str
    links: tuple[str, ...]
    revised_target_date: date | None
    revision_reason: str | None


def _said_by(update: store.UpdateRecord) -> _Said:
    return _Said(
        update.status,
        update.evidence_date,
        update.narrative,
        update.links,
        update.revised_target_date,
        update.revision_reason,
    )


_NOTHING_SAID = _Said(Status.NOT_STARTED, None, "", (), None, None)


@dataclass
class _Planned:
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    refusals: list[SheetProblem] = field(default_factory=list)
    new: list[store.NewUpdate] = field(default_factory=list)
    fingerprints: list[tuple[int, int, str, str]] = field(default_factory=list)


def _row_plan(
    row: int,
    record: store.AssignmentRecord,
    outcome: RowOutcome,
    latest: store.UpdateRecord | None,
    said: _Said,
) -> RowPlan:
    old = _said_by(latest) if latest else _NOTHING_SAID
    return RowPlan(
        row=row,
        recommendation=record.recommendation,
        outcome=outcome,
        status_from=old.status.value if latest else None,
        status_to=said.status.value,
        evidence_date_from=old.evidence_date,
        evidence_date_to=said.evidence_date,
        target_date_from=old.revised_target_date,
        target_date_to=said.revised_target_date,
        narrative_from=_excerpt(old.narrative),
        narrative_to=_excerpt(said.narrative),
        links_changed=old.links != said.links,
    )


def _parse(row: SheetRow, problems: list[SheetProblem]) -> tuple[_Said | None, str]:
    """The row's editable cells as values; problems named by the sheet's own headers."""
    values = row.values
    found = len(problems)

    def problem(name: str, message: str) -> None:
        problems.append(SheetProblem(row.row, HEADERS[name], message))

    status: Status | None = None
    try:
        status = parse_status(return_sheet.cell_text(values["status"]))
    except ValueError as exc:
        problem("status", str(exc))
    dates: dict[str, date | None] = {}
    for name in ("evidence_date", "revised_target_date"):
        try:
            dates[name] = return_sheet.cell_date(values[name])
        except ValueError as exc:
            problem(name, str(exc))
    texts: dict[str, str] = {}
    for name, limit, multiline in (
        ("narrative", MAX_NARRATIVE, True),
        ("revision_reason", MAX_REASON, True),
        ("on_behalf_of", MAX_NAME, False),
    ):
        try:
            texts[name] = clean_text(
                return_sheet.cell_text(values[name]), max_length=limit, multiline=multiline
            )
        except TextError as exc:
            problem(name, str(exc))
    links: tuple[str, ...] = ()
    try:
        links = parse_links(return_sheet.cell_text(values["links"]))
    except ValueError as exc:
        problem("links", str(exc))
    if len(problems) > found or status is None:
        return None, ""
    said = _Said(
        status,
        dates["evidence_date"],
        texts["narrative"],
        links,
        dates["revised_target_date"],
        texts["revision_reason"] or None,
    )
    return said, texts["on_behalf_of"]


def _plan(session: Session, *, actor: Actor, read: ReadReturn, today: date) -> tuple[_Planned, str]:
    report = store.report_info(session=session)
    if report is None:
        raise LookupError("No recommendations are loaded yet: run `tracker init` first.")
    records = {
        r.assignment_id: r for r in store.assignment_records(session=session, report_id=report.id)
    }
    owners = {read.key.organisation_id} | {
        records[r.assignment_id].organisation_id for r in read.rows if r.assignment_id in records
    }
    history: dict[int, list[store.UpdateRecord]] = {}
    for update in store.update_history(
        session=session, report_id=report.id, organisation_ids=sorted(owners)
    ):
        history.setdefault(update.assignment_id, []).append(update)
    for updates in history.values():
        updates.sort(key=lambda u: u.id)
    planned = _Planned(problems=list(read.problems))
    settings = get_settings()
    recorded_at = datetime.now(UTC)
    for row in read.rows:
        record = records.get(row.assignment_id)
        if record is None:
            planned.problems.append(
                SheetProblem(
                    row.row,
                    HEADERS["key"],
                    "is not an assignment this tracker knows (or it was withdrawn); "
                    "download a fresh template",
                )
            )
            continue
        denied = refusal_for(actor, Action.RECORD, record.organisation_id)
        if denied:
            planned.refusals.append(SheetProblem(row.row, HEADERS["key"], denied))
            continue
        if record.organisation_id != read.key.organisation_id:
            planned.problems.append(
                SheetProblem(
                    row.row,
                    HEADERS["key"],
                    f"belongs to {record.organisation}'s return, not {read.key.organisation}'s; "
                    "keep each organisation's rows in its own file",
                )
            )
            continue
        if row.recommendation.upper() != record.recommendation:
            planned.problems.append(
                SheetProblem(
                    row.row,
                    HEADERS["recommendation"],
                    f"says {row.recommendation[:20]!r} but the row's key is for "
                    f"{record.recommendation}; the grey columns must stay as they were",
                )
            )
            continue
        said, on_behalf_of = _parse(row, planned.problems)
        if said is None:
            continue
        stored = history.get(row.assignment_id, [])
        by_id = {u.id: u for u in stored}
        prefilled = by_id.get(row.prefilled_update_id) if row.prefilled_update_id else None
        before = _said_by(prefilled) if prefilled else _NOTHING_SAID
        latest = stored[-1] if stored else None

        if row.prefilled_update_id and prefilled is None:
            planned.problems.append(
                SheetProblem(
                    row.row,
                    HEADERS["key"],
                    "does not match this tracker's record; download a fresh template",
                )
            )
            continue
        if prefilled and prefilled.redaction and said.narrative != prefilled.narrative:
            # The words were blanked after the file was made: never bring them back.
            planned.problems.append(
                SheetProblem(
                    row.row,
                    HEADERS["narrative"],
                    "the evidence of this recommendation's latest update was redacted after "
                    "this template was made; download a fresh template",
                )
            )
            continue
        if said == before:
            planned.rows.append(_row_plan(row.row, record, RowOutcome.UNCHANGED, latest, said))
            continue
        if latest is not None and said == _said_by(latest):
            planned.rows.append(
                _row_plan(row.row, record, RowOutcome.ALREADY_RECORDED, latest, said)
            )
            continue
        since = [u for u in stored if u.id > read.key.updates_seen]
        if since:
            newest = since[-1]
            planned.problems.append(
                SheetProblem(
                    row.row,
                    "",
                    f"{newest.recorded_by} recorded an update for {record.recommendation} on "
                    f"{newest.recorded_at:%d %B %Y} after this template was made; download a "
                    "fresh template and copy your words into it, so that update is not buried",
                )
            )
            continue
        draft = UpdateDraft(
            status=said.status.value,
            evidence_date=said.evidence_date,
            narrative=said.narrative,
            links=said.links,
            revised_target_date=said.revised_target_date,
            revision_reason=said.revision_reason,
            on_behalf_of=on_behalf_of,
        )
        try:
            checked = check_draft(
                draft,
                today=today,
                reporting_from=report.published,
                deadline=record.deadline,
                max_attachment_bytes=settings.max_attachment_bytes,
                allowed_attachment_types=settings.allowed_attachment_types,
            )
        except UpdateRejectedError as exc:
            planned.problems += [
                SheetProblem(row.row, HEADERS.get(k, k), v) for k, v in exc.problems.items()
            ]
            continue
        goes_back = any(_said_by(u) == said for u in stored)
        new = _new_update(
            record.assignment_id,
            checked,
            actor=actor,
            source="return",
            recorded_at=recorded_at,
            follows=latest.id if goes_back and latest else None,
        )
        planned.new.append(new)
        outcome = RowOutcome.GOES_BACK if goes_back else RowOutcome.CHANGE
        planned.rows.append(_row_plan(row.row, record, outcome, latest, said))
    for r in planned.rows:
        planned.fingerprints.append((r.row, 0, r.outcome.value, r.status_to))
    for new in planned.new:
        planned.fingerprints.append((0, new.assignment_id, "new", new.fingerprint))
    planned.problems.sort(key=lambda p: p.row)
    digest = hashlib.sha256(
        json.dumps([read.key.organisation_id, planned.fingerprints]).encode()
    ).hexdigest()
    return planned, digest


def _read(content: bytes, file_name: str) -> ReadReturn:
    try:
        return return_sheet.read_workbook(content)
    except return_sheet.ReturnFileError as exc:
        raise ReturnRejectedError(file_name, exc.problems) from None


def _refuse_file(
    engine: Engine, actor: Actor, read: ReadReturn, refusals: Sequence[SheetProblem], name: str
) -> None:
    """One row the actor may not record for refuses the whole file; the attempt is kept."""
    message = f"{name}: the whole file was refused. " + "; ".join(str(p) for p in refusals[:20])
    record_refusal(
        engine,
        actor,
        Action.RECORD,
        message,
        object_type="return",
        object_id=read.key.organisation_id,
    )
    raise AccessDeniedError(message)


def _check_file_access(engine: Engine, actor: Actor, read: ReadReturn, name: str) -> None:
    denied = refusal_for(actor, Action.RECORD, read.key.organisation_id)
    if denied:
        _refuse_file(engine, actor, read, [SheetProblem(0, "", denied)], name)


def _organisation_name(organisation_id: str, fallback: str) -> str:
    return organisation_names().get(organisation_id, fallback)


def preview(
    *,
    engine: Engine,
    actor: Actor,
    content: bytes,
    file_name: str,
    today: date | None = None,
) -> ReturnPreview:
    """Exactly what storing this return would do, row by row; nothing is stored."""
    read = _read(content, file_name)
    _check_file_access(engine, actor, read, file_name)
    with read_session(engine) as session:
        planned, digest = _plan(session, actor=actor, read=read, today=today or date.today())
    if planned.refusals:
        _refuse_file(engine, actor, read, planned.refusals, file_name)
    return ReturnPreview(
        organisation_id=read.key.organisation_id,
        organisation=_organisation_name(read.key.organisation_id, read.key.organisation),
        round_name=read.key.round_name,
        file_name=file_name,
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=tuple(planned.rows),
        problems=tuple(planned.problems),
        plan_digest=digest,
    )


def confirm(
    *,
    engine: Engine,
    actor: Actor,
    content: bytes,
    file_name: str,
    plan_digest: str,
    today: date | None = None,
) -> ReturnResult:
    """Store the return previewed as ``plan_digest``: all of it or, if anything is wrong or
    changed since the preview, none of it."""
    read = _read(content, file_name)
    _check_file_access(engine, actor, read, file_name)
    try:
        with write_session(engine) as session:
            for row in read.rows:
                store.lock_assignment(session=session, assignment_id=row.assignment_id)
            planned, digest = _plan(session, actor=actor, read=read, today=today or date.today())
            if planned.refusals:
                raise _Refused(planned.refusals)
            if planned.problems:
                raise ReturnRejectedError(file_name, planned.problems)
            if digest != plan_digest:
                raise ReturnChangedError(
                    "The record changed after the preview (someone recorded an update for this "
                    "organisation). Nothing was stored: look at the preview again, then confirm."
                )
            ids = store.append_updates(session=session, updates=planned.new)
            result = ReturnResult(
                organisation=_organisation_name(read.key.organisation_id, read.key.organisation),
                stored=len(ids),
                update_ids=tuple(ids),
                unchanged_rows=_rows(planned, RowOutcome.UNCHANGED),
                already_recorded_rows=_rows(planned, RowOutcome.ALREADY_RECORDED),
                went_back_rows=_rows(planned, RowOutcome.GOES_BACK),
            )
            if ids:
                audit_trail.record(
                    session,
                    actor,
                    "return_imported",
                    object_type="return",
                    object_id=read.key.organisation_id,
                    after={
                        "file": file_name,
                        "file_sha256": hashlib.sha256(content).hexdigest(),
                        "round": read.key.round_name,
                        "rows": len(read.rows),
                        "stored": len(ids),
                        "update_ids": list(ids),
                        "unchanged_rows": list(result.unchanged_rows),
                        "already_recorded_rows": list(result.already_recorded_rows),
                        "went_back_rows": list(result.went_back_rows),
                    },
                )
    except _Refused as refused:
        _refuse_file(engine, actor, read, refused.problems, file_name)
    return result


class _Refused(Exception):
    def __init__(self, problems: Sequence[SheetProblem]) -> None:
        self.problems = list(problems)
        super().__init__("refused")


def _rows(planned: _Planned, outcome: RowOutcome) -> tuple[int, ...]:
    return tuple(r.row for r in planned.rows if r.outcome == outcome)


# --- Words ---------------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "—"


def status_words(value: str | None) -> str:
    return Status(value).label if value else "no update yet"


def describe_row(plan: RowPlan) -> str:
    """One row of the preview in words: what it will change, from → to."""
    head = f"Row {plan.row} ({plan.recommendation}): {plan.outcome.label}"
    if not plan.outcome.stores:
        return head
    changes = [
        f"status {status_words(plan.status_from)} → {status_words(plan.status_to)}",
        f"evidence date {_day(plan.evidence_date_from)} → {_day(plan.evidence_date_to)}",
    ]
    if plan.target_date_from != plan.target_date_to:
        changes.append(
            f"revised target date {_day(plan.target_date_from)} → {_day(plan.target_date_to)}"
        )
    if plan.narrative_from != plan.narrative_to:
        changes.append(f"evidence {plan.narrative_from or '—'!r} → {plan.narrative_to!r}")
    if plan.links_changed:
        changes.append("links changed")
    return head + "; " + "; ".join(changes)
