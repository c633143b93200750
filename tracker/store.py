"""The only module that reads and writes the database.

Functions take a session and keyword arguments and return plain dataclasses, never live ORM
objects, so callers (services, cached dashboard functions) cannot trigger lazy queries.
The evidence record is only ever appended to here: there is no update or delete function.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.catalogue import Catalogue, Directory, Source
from tracker.models import (
    Assignment,
    Attachment,
    AuditEvent,
    EvidenceUpdate,
    Organisation,
    Recommendation,
    Region,
    Report,
    Review,
)
from tracker.rules import Decision, ReviewFact, Status, UpdateFact
from tracker.store_redaction import RedactionMark, redaction_mark

UK_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class AssignmentRecord:
    """One recommendation × organisation pair with what describes both."""

    assignment_id: int
    report_id: str
    recommendation: str
    recommendation_number: int
    recommendation_title: str
    owner: str
    deadline: date | None
    verified: bool
    themes: tuple[str, ...]
    organisation_id: str
    organisation: str
    organisation_kind: str
    region_id: str | None
    region: str | None


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    redaction: RedactionMark | None = None  # content blanked: who, when, why


@dataclass(frozen=True)
class UpdateRecord:
    id: int
    assignment_id: int
    recommendation: str
    organisation_id: str
    organisation: str
    status: Status
    evidence_date: date
    recorded_at: datetime
    recorded_by: str
    narrative: str
    links: tuple[str, ...]
    revised_target_date: date | None
    revision_reason: str | None
    source: str
    attachments: tuple[AttachmentInfo, ...]
    recorded_by_user: str | None = None
    on_behalf_of: str | None = None
    redaction: RedactionMark | None = None  # narrative blanked: who, when, why


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    content: bytes
    sha256: str


@dataclass(frozen=True)
class NewUpdate:
    """An update ready to append: already validated by a service."""

    assignment_id: int
    status: Status
    evidence_date: date
    recorded_at: datetime
    recorded_by: str
    narrative: str
    links: tuple[str, ...]
    revised_target_date: date | None
    revision_reason: str | None
    source: str
    fingerprint: str
    attachments: tuple[NewAttachment, ...] = ()
    recorded_by_user: str | None = None  # username of the signed-in user
    on_behalf_of: str | None = None


@dataclass(frozen=True)
class ReportInfo:
    id: str
    title: str
    short_title: str
    publisher: str
    published: date
    url: str


@dataclass(frozen=True)
class SyncSummary:
    recommendations: int
    organisations: int
    assignments_active: int
    assignments_added: int
    assignments_withdrawn: int


# --- Reference data ----------------------------------------------------------------------


def sync_reference_data(
    *, session: Session, catalogue: Catalogue, directory: Directory
) -> SyncSummary:
    """Bring reports, organisations, recommendations and assignments in line with the files.

    Safe to repeat. Assignments the catalogue no longer names are marked inactive, never deleted,
    so their evidence history survives a correction to the file.
    """
    report = catalogue.report
    existing_report = session.get(Report, report.id)
    fields: dict[str, Any] = {
        "title": report.title,
        "short_title": report.short_title,
        "publisher": report.publisher,
        "published": report.published,
        "url": report.url,
    }
    if existing_report is None:
        session.add(Report(id=report.id, **fields))
    else:
        for key, value in fields.items():
            setattr(existing_report, key, value)

    for position, region in enumerate(directory.regions):
        row = session.get(Region, region.id)
        if row is None:
            session.add(Region(id=region.id, name=region.name, position=position))
        else:
            row.name, row.position = region.name, position
    session.flush()

    for org in directory.organisations:
        org_row = session.get(Organisation, org.id)
        values: dict[str, Any] = {
            "name": org.name,
            "kind": org.kind.value,
            "region_id": org.region_id,
            "country": org.country,
            "force_id": org.force_id,
            "aliases": list(org.aliases),
        }
        if org_row is None:
            session.add(Organisation(id=org.id, **values))
        else:
            for key, value in values.items():
                setattr(org_row, key, value)
    session.flush()

    recs = {
        r.code: r
        for r in session.exec(select(Recommendation).where(Recommendation.report_id == report.id))
    }
    added = withdrawn = active = 0
    for rec in catalogue.recommendations:
        rec_values: dict[str, Any] = {
            "number": rec.number,
            "title": rec.title,
            "summary": rec.summary,
            "owner": rec.owner.value,
            "deadline": rec.deadline,
            "deadline_note": rec.deadline_note,
            "addressees": list(rec.addressees),
            "themes": list(rec.themes),
            "verified": rec.verified,
            "notes": rec.notes,
            "sources": [s.as_dict() for s in rec.sources],
        }
        rec_row = recs.get(rec.id)
        if rec_row is None:
            rec_row = Recommendation(report_id=report.id, code=rec.id, **rec_values)
            session.add(rec_row)
            session.flush()
        else:
            for key, value in rec_values.items():
                setattr(rec_row, key, value)
        assert rec_row.id is not None
        current = {
            a.organisation_id: a
            for a in session.exec(
                select(Assignment).where(Assignment.recommendation_id == rec_row.id)
            )
        }
        wanted = set(rec.accountable)
        for org_id in rec.accountable:
            assignment = current.get(org_id)
            if assignment is None:
                session.add(Assignment(recommendation_id=rec_row.id, organisation_id=org_id))
                added += 1
            elif not assignment.active:
                assignment.active = True
            active += 1
        for org_id, assignment in current.items():
            if org_id not in wanted and assignment.active:
                assignment.active = False
                withdrawn += 1
    # A recommendation taken out of the file leaves the figures too; its history is kept.
    listed = {rec.id for rec in catalogue.recommendations}
    dropped = [r.id for code, r in recs.items() if code not in listed and r.id is not None]
    if dropped:
        for assignment in session.exec(
            select(Assignment).where(
                col(Assignment.recommendation_id).in_(dropped), col(Assignment.active).is_(True)
            )
        ):
            assignment.active = False
            withdrawn += 1
    session.flush()
    return SyncSummary(
        recommendations=len(catalogue.recommendations),
        organisations=len(directory.organisations),
        assignments_active=active,
        assignments_added=added,
        assignments_withdrawn=withdrawn,
    )


def report_info(*, session: Session, report_id: str | None = None) -> ReportInfo | None:
    """The report loaded in this database, or None before `tracker init` has run."""
    if not sa.inspect(session.connection()).has_table("report"):
        return None
    query = select(Report)
    if report_id:
        query = query.where(Report.id == report_id)
    row = session.exec(query.order_by(col(Report.published))).first()
    if row is None:
        return None
    return ReportInfo(
        id=row.id,
        title=row.title,
        short_title=row.short_title,
        publisher=row.publisher,
        published=row.published,
        url=row.url,
    )


def assignment_records(
    *,
    session: Session,
    report_id: str,
    recommendation: str | None = None,
    organisation_id: str | None = None,
) -> list[AssignmentRecord]:
    """Every active assignment of a report (or the one of a recommendation and an
    organisation), in recommendation then organisation order."""
    query = (
        select(Assignment, Recommendation, Organisation, Region)
        .join(Recommendation, col(Assignment.recommendation_id) == col(Recommendation.id))
        .join(Organisation, col(Assignment.organisation_id) == col(Organisation.id))
        .join(Region, col(Organisation.region_id) == col(Region.id), isouter=True)
        .where(Recommendation.report_id == report_id, col(Assignment.active).is_(True))
        .order_by(col(Recommendation.number), col(Organisation.name))
    )
    if recommendation is not None:
        query = query.where(Recommendation.code == recommendation)
    if organisation_id is not None:
        query = query.where(Assignment.organisation_id == organisation_id)
    records = []
    for assignment, rec, org, region in session.exec(query):
        assert assignment.id is not None
        records.append(
            AssignmentRecord(
                assignment_id=assignment.id,
                report_id=rec.report_id,
                recommendation=rec.code,
                recommendation_number=rec.number,
                recommendation_title=rec.title,
                owner=rec.owner,
                deadline=rec.deadline,
                verified=rec.verified,
                themes=tuple(rec.themes),
                organisation_id=org.id,
                organisation=org.name,
                organisation_kind=org.kind,
                region_id=org.region_id,
                region=region.name if region else None,
            )
        )
    return records


def update_facts(
    *, session: Session, assignment_ids: Iterable[int] | None = None
) -> dict[int, list[UpdateFact]]:
    """The few columns the rules need, for every update of the given assignments: the whole
    history (the reference the read side's answers are tested against; the read side itself
    fetches only the updates that speak for a date, see ``store_status``)."""
    query = sa.select(
        col(EvidenceUpdate.id),
        col(EvidenceUpdate.assignment_id),
        col(EvidenceUpdate.status),
        col(EvidenceUpdate.evidence_date),
        col(EvidenceUpdate.recorded_at),
        col(EvidenceUpdate.revised_target_date),
    )
    if assignment_ids is not None:
        query = query.where(col(EvidenceUpdate.assignment_id).in_(list(assignment_ids)))
    decisions = review_facts(session=session)
    facts: dict[int, list[UpdateFact]] = defaultdict(list)
    for uid, aid, status, evidence_date, recorded_at, revised in session.connection().execute(
        query
    ):
        assert uid is not None
        facts[aid].append(
            UpdateFact(
                id=uid,
                status=Status(status),
                evidence_date=evidence_date,
                recorded_at=recorded_at,
                revised_target_date=revised,
                reviews=decisions.get(uid, ()),
            )
        )
    return facts


def last_recorded(
    *, session: Session, assignment_ids: Sequence[int], until: datetime
) -> tuple[datetime, int] | None:
    """The moment of the update most recently recorded by ``until`` among the given assignments,
    and its assignment: a backward walk along the index on ``recorded_at``."""
    if not assignment_ids:
        return None
    found = (
        session.connection()
        .execute(
            sa.select(col(EvidenceUpdate.recorded_at), col(EvidenceUpdate.assignment_id))
            .where(
                col(EvidenceUpdate.assignment_id).in_(list(assignment_ids)),
                col(EvidenceUpdate.recorded_at) <= until,
            )
            .order_by(col(EvidenceUpdate.recorded_at).desc(), col(EvidenceUpdate.id).desc())
            .limit(1)
        )
        .first()
    )
    return None if found is None else (found[0], int(found[1]))


def uk_date(moment: datetime) -> date:
    """The date in the UK of a stored moment (SQLite returns it without a zone: it is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UK_TIME).date()


def review_facts(*, session: Session) -> dict[int, tuple[ReviewFact, ...]]:
    """Every review decision, by the update it is about."""
    query = sa.select(
        col(Review.update_id), col(Review.decision), col(Review.reviewed_at), col(Review.reason)
    ).order_by(col(Review.id))
    found: dict[int, list[ReviewFact]] = defaultdict(list)
    for update_id, decision, reviewed_at, reason in session.connection().execute(query):
        found[update_id].append(
            ReviewFact(Decision(decision), uk_date(reviewed_at), reason, reviewed_at)
        )
    return {k: tuple(v) for k, v in found.items()}


def update_history(
    *,
    session: Session,
    report_id: str,
    organisation_ids: Sequence[str] | None = None,
    recommendation: str | None = None,
    update_ids: Iterable[int] | None = None,
) -> list[UpdateRecord]:
    """Full updates, newest evidence first, with their attachments' descriptions."""
    query = (
        select(EvidenceUpdate, Recommendation.code, Organisation.id, Organisation.name)
        .join(Assignment, col(EvidenceUpdate.assignment_id) == col(Assignment.id))
        .join(Recommendation, col(Assignment.recommendation_id) == col(Recommendation.id))
        .join(Organisation, col(Assignment.organisation_id) == col(Organisation.id))
        .where(Recommendation.report_id == report_id)
        .order_by(col(EvidenceUpdate.evidence_date).desc(), col(EvidenceUpdate.id).desc())
    )
    if organisation_ids is not None:
        query = query.where(col(Organisation.id).in_(list(organisation_ids)))
    if recommendation is not None:
        query = query.where(Recommendation.code == recommendation)
    if update_ids is not None:
        query = query.where(col(EvidenceUpdate.id).in_(list(update_ids)))
    rows = list(session.exec(query))
    ids = [u.id for u, *_ in rows if u.id is not None]
    files: dict[int, list[AttachmentInfo]] = defaultdict(list)
    if ids:
        att_query = sa.select(
            col(Attachment.id),
            col(Attachment.update_id),
            col(Attachment.filename),
            col(Attachment.content_type),
            col(Attachment.size_bytes),
            col(Attachment.sha256),
            col(Attachment.redacted_at),
            col(Attachment.redacted_by),
            col(Attachment.redaction_reason),
        ).where(col(Attachment.update_id).in_(ids))
        for row in session.connection().execute(att_query):
            aid, uid, name, ctype, size, sha, at, by, why = row
            assert aid is not None
            mark = redaction_mark(at, by, why)
            files[uid].append(AttachmentInfo(aid, name, ctype, size, sha, mark))
    history = []
    for update, code, org_id, org_name in rows:
        assert update.id is not None
        history.append(
            UpdateRecord(
                id=update.id,
                assignment_id=update.assignment_id,
                recommendation=code,
                organisation_id=org_id,
                organisation=org_name,
                status=Status(update.status),
                evidence_date=update.evidence_date,
                recorded_at=update.recorded_at,
                recorded_by=update.recorded_by,
                narrative=update.narrative,
                links=tuple(update.links),
                revised_target_date=update.revised_target_date,
                revision_reason=update.revision_reason,
                source=update.source,
                attachments=tuple(files.get(update.id, ())),
                recorded_by_user=update.recorded_by_user,
                on_behalf_of=update.on_behalf_of,
                redaction=redaction_mark(
                    update.redacted_at, update.redacted_by, update.redaction_reason
                ),
            )
        )
    return history


@dataclass(frozen=True)
class SaidBefore:
    """What one stored update said, as far as "saying the same thing again" is concerned."""

    id: int
    status: Status
    evidence_date: date
    narrative: str
    links: tuple[str, ...]
    revised_target_date: date | None
    revision_reason: str | None
    attachment_sha256: tuple[str, ...]


@dataclass(frozen=True)
class Saying:
    """What a new update says that a stored one must say too to be the same thing again."""

    status: Status
    evidence_date: date
    narrative: str


def said_before(
    *,
    session: Session,
    assignment_id: int,
    like: Saying | None = None,
    latest_id: int | None = None,
) -> list[SaidBefore]:
    """One assignment's updates in the order recorded: just the columns a repeat is judged on
    (recording one update reads its own assignment's history, never the report's).

    With ``like``, only the updates that say the same status, evidence date and narrative,
    and the one numbered ``latest_id``: all that deciding whether a new update repeats the
    latest or goes back to an earlier one needs, so recording stays as quick however long
    the history grows.
    """
    which = col(EvidenceUpdate.assignment_id) == assignment_id
    if like is not None:
        same = sa.and_(
            col(EvidenceUpdate.evidence_date) == like.evidence_date,
            col(EvidenceUpdate.status) == like.status.value,
            col(EvidenceUpdate.narrative) == like.narrative,
        )
        which = sa.and_(
            which, sa.or_(same, col(EvidenceUpdate.id) == latest_id) if latest_id else same
        )
    query = (
        sa.select(
            col(EvidenceUpdate.id),
            col(EvidenceUpdate.status),
            col(EvidenceUpdate.evidence_date),
            col(EvidenceUpdate.narrative),
            col(EvidenceUpdate.links),
            col(EvidenceUpdate.revised_target_date),
            col(EvidenceUpdate.revision_reason),
        )
        .where(which)
        .order_by(col(EvidenceUpdate.id))
    )
    rows = list(session.connection().execute(query))
    files: dict[int, list[str]] = defaultdict(list)
    if rows:
        att = (
            sa.select(col(Attachment.update_id), col(Attachment.sha256))
            .where(col(Attachment.update_id).in_([row[0] for row in rows]))
            .order_by(col(Attachment.id))
        )
        for update_id, sha in session.connection().execute(att):
            files[update_id].append(sha)
    said = []
    for uid, status, day, narrative, links, revised, reason in rows:
        assert uid is not None
        said.append(
            SaidBefore(
                id=uid,
                status=Status(status),
                evidence_date=day,
                narrative=narrative,
                links=tuple(links),
                revised_target_date=revised,
                revision_reason=reason,
                attachment_sha256=tuple(files.get(uid, ())),
            )
        )
    return said


def attachment_content(*, session: Session, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
    row = session.get(Attachment, attachment_id)
    if row is None or row.id is None:
        raise LookupError(f"No attachment with id {attachment_id}.")
    info = AttachmentInfo(
        row.id,
        row.filename,
        row.content_type,
        row.size_bytes,
        row.sha256,
        redaction_mark(row.redacted_at, row.redacted_by, row.redaction_reason),
    )
    return info, row.content


# --- The evidence record -----------------------------------------------------------------

# Any constant: the first key of the advisory locks that queue writers to one assignment.
_ASSIGNMENT_LOCKS = 7_412_002


def lock_assignment(*, session: Session, assignment_id: int) -> None:
    """Competing writers to one assignment queue until commit (PostgreSQL).

    A transaction-scoped advisory lock, not ``SELECT … FOR UPDATE``: that needs UPDATE privilege
    on the table, and the dashboard's database role may not change reference data. On SQLite the
    write session already holds the database's write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:space, :id)"),
            {"space": _ASSIGNMENT_LOCKS, "id": assignment_id},
        )


def latest_recorded_update_id(*, session: Session, assignment_id: int) -> int | None:
    """The most recently recorded update of an assignment, whatever its evidence date."""
    return session.exec(
        select(func.max(EvidenceUpdate.id)).where(EvidenceUpdate.assignment_id == assignment_id)
    ).one()


def existing_fingerprints(
    *, session: Session, assignment_ids: Iterable[int]
) -> set[tuple[int, str]]:
    ids = list(set(assignment_ids))
    if not ids:
        return set()
    query = select(EvidenceUpdate.assignment_id, EvidenceUpdate.fingerprint).where(
        col(EvidenceUpdate.assignment_id).in_(ids)
    )
    return {(aid, fp) for aid, fp in session.exec(query)}


def append_updates(*, session: Session, updates: Sequence[NewUpdate]) -> list[int]:
    """Append updates and their attachments; returns the new update ids."""
    rows = [
        EvidenceUpdate(
            assignment_id=u.assignment_id,
            status=u.status.value,
            evidence_date=u.evidence_date,
            recorded_at=u.recorded_at,
            recorded_by=u.recorded_by,
            narrative=u.narrative,
            links=list(u.links),
            revised_target_date=u.revised_target_date,
            revision_reason=u.revision_reason,
            source=u.source,
            fingerprint=u.fingerprint,
            recorded_by_user=u.recorded_by_user,
            on_behalf_of=u.on_behalf_of,
        )
        for u in updates
    ]
    session.add_all(rows)
    session.flush()
    for row, new in zip(rows, updates, strict=True):
        assert row.id is not None
        for file in new.attachments:
            session.add(
                Attachment(
                    update_id=row.id,
                    filename=file.filename,
                    content_type=file.content_type,
                    size_bytes=len(file.content),
                    sha256=file.sha256,
                    content=file.content,
                )
            )
    session.flush()
    return [row.id for row in rows if row.id is not None]


class DataVersion(NamedTuple):
    """Changes whenever evidence or the catalogue changes: a cheap key for caches.

    Every write (updates, reviews, redactions, catalogue reloads, users) appends an audit event
    in the same transaction, so the highest audit event id moves with each one: a stored
    counter, read by one index lookup. The highest update and review ids cover rows added
    without an event (the benchmark's bulk-loaded history); the reference digest covers a
    catalogue reloaded without a user (``setup.initialise`` with no actor).
    """

    audit_event: int
    last_update_id: int
    last_review_id: int
    active_assignments: int
    reference: str  # digest of the report, regions, organisations and recommendations

    @property
    def has_updates(self) -> bool:
        return self.last_update_id > 0


_REFERENCE_TABLES = ("report", "region", "organisation", "recommendation")


def data_version(*, session: Session) -> DataVersion:
    connection = session.connection()
    if not sa.inspect(connection).has_table("evidence_update"):
        return DataVersion(0, 0, 0, 0, "")
    highest = connection.execute(
        sa.select(
            sa.select(func.max(AuditEvent.id)).scalar_subquery(),
            sa.select(func.max(EvidenceUpdate.id)).scalar_subquery(),
            sa.select(func.max(Review.id)).scalar_subquery(),
            sa.select(func.count(col(Assignment.id)))
            .where(col(Assignment.active).is_(True))
            .scalar_subquery(),
        )
    ).one()
    # A few hundred short rows (a thousand with fifty reports), read as plain tuples.
    digest = hashlib.sha256()
    for table in _REFERENCE_TABLES:
        for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")):
            digest.update(repr(tuple(row)).encode())
    audit, last_update, last_review, active = (int(v or 0) for v in highest)
    return DataVersion(audit, last_update, last_review, active, digest.hexdigest()[:16])


@dataclass(frozen=True)
class RecommendationInfo:
    report_id: str
    code: str
    number: int
    title: str
    summary: str
    owner: str
    addressees: tuple[str, ...]
    deadline: date | None
    deadline_note: str | None
    themes: tuple[str, ...]
    verified: bool
    notes: str | None
    sources: tuple[Source, ...] = ()


def recommendation_infos(*, session: Session, report_id: str) -> list[RecommendationInfo]:
    """The recommendations the current catalogue lists (those with an active assignment)."""
    in_force = (
        sa.select(col(Assignment.id))
        .where(
            col(Assignment.recommendation_id) == col(Recommendation.id),
            col(Assignment.active).is_(True),
        )
        .exists()
    )
    rows = session.exec(
        select(Recommendation)
        .where(Recommendation.report_id == report_id, in_force)
        .order_by(col(Recommendation.number))
    )
    return [
        RecommendationInfo(
            report_id=r.report_id,
            code=r.code,
            number=r.number,
            title=r.title,
            summary=r.summary,
            owner=r.owner,
            addressees=tuple(r.addressees),
            deadline=r.deadline,
            deadline_note=r.deadline_note,
            themes=tuple(r.themes),
            verified=r.verified,
            notes=r.notes,
            sources=tuple(Source.from_dict(s) for s in r.sources or []),
        )
        for r in rows
    ]


def has_schema(*, session: Session) -> bool:
    return sa.inspect(session.connection()).has_table("evidence_update")


def count_updates_not_from(*, session: Session, source: str) -> int:
    """How many updates came from anywhere but ``source`` (the demonstration's "demo")."""
    return session.exec(
        select(func.count(col(EvidenceUpdate.id))).where(col(EvidenceUpdate.source) != source)
    ).one()
