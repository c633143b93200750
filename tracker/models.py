"""Database tables.

Reference data (reports, regions, organisations, recommendations, assignments) is loaded from the
catalogue and may be refreshed from it. The evidence record (``evidence_update`` and
``attachment``) is append-only: rows are never changed or deleted, and the database refuses to
(see the triggers in the first migration). A correction is a new update.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Report(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    title: str
    short_title: str
    publisher: str
    published: date
    url: str


class Region(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str
    position: int = 0


class Organisation(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(index=True)
    kind: str = Field(index=True, max_length=32)
    region_id: str | None = Field(default=None, foreign_key="region.id", index=True)
    country: str | None = None
    force_id: str | None = Field(default=None, max_length=64)
    aliases: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))


class Recommendation(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("report_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: str = Field(foreign_key="report.id", index=True)
    code: str = Field(max_length=16)  # "R5"
    number: int
    title: str
    summary: str
    owner: str = Field(max_length=32)
    deadline: date | None = None
    deadline_note: str | None = None
    addressees: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    themes: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    verified: bool = False
    notes: str | None = None
    # Where the wording comes from (migration 0009): [{"url", "confirms", "read"}], from the
    # catalogue's `sources:`; "read" is an ISO date or "not read".
    sources: list[dict[str, str]] = Field(
        default_factory=list,
        sa_column=sa.Column(sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    )


class Assignment(SQLModel, table=True):
    """One organisation accountable for one recommendation."""

    __table_args__ = (sa.UniqueConstraint("recommendation_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    organisation_id: str = Field(foreign_key="organisation.id", index=True)
    # False when a catalogue reload no longer names this organisation: kept, never deleted,
    # because its evidence history still matters.
    active: bool = True


class EvidenceUpdate(SQLModel, table=True):
    """One dated return of progress: append-only."""

    __tablename__ = "evidence_update"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "fingerprint"),
        # The read side finds the update that speaks for a date by this index (migration 0008).
        sa.Index(
            "ix_evidence_update_latest", "assignment_id", "evidence_date", "recorded_at", "id"
        ),
        # Each assignment's updates in the order they were recorded: the latest in one step
        # (migration 0010).
        sa.Index("ix_evidence_update_assignment_recorded", "assignment_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id")
    status: str = Field(max_length=32)
    evidence_date: date
    recorded_at: datetime = Field(index=True)
    recorded_by: str  # display name of who recorded it (the signed-in user)
    narrative: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    links: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    revised_target_date: date | None = None
    revision_reason: str | None = None
    source: str = Field(max_length=32)  # form, import, demo, cli
    # SHA-256 of what the update says: the same return imported twice is stored once.
    fingerprint: str = Field(max_length=64)
    # Username of the signed-in user who recorded it (recorded_by stays as the name shown);
    # None for updates recorded before sign-in existed.
    recorded_by_user: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = None  # free text, e.g. "for the Head of Public Protection"
    # Set once, by a redaction (migration 0003): the narrative was blanked; why is on the trail.
    redacted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    redacted_by: str | None = Field(default=None, max_length=64)
    redaction_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class Attachment(SQLModel, table=True):
    """An evidence file, stored with its SHA-256: append-only."""

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="evidence_update.id", index=True)
    filename: str
    content_type: str
    size_bytes: int
    sha256: str = Field(max_length=64, index=True)
    content: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    # Set once, by a redaction (migration 0003): the content was blanked; the SHA-256 stays.
    redacted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    redacted_by: str | None = Field(default=None, max_length=64)
    redaction_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


# --- People, sign-in, review and the audit trail ------------------------------------------


class User(SQLModel, table=True):
    """Someone who signs in. Changes to a user are kept on the audit trail."""

    __tablename__ = "tracker_user"  # "user" is a reserved word in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    display_name: str
    # Lower-cased; single sign-on finds the tracker user by it.
    email: str | None = Field(default=None, max_length=254, sa_column_kwargs={"unique": True})
    role: str = Field(max_length=16)
    organisation_ids: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    active: bool = True
    password_hash: str | None = None  # argon2id; None for single-sign-on-only users
    failed_sign_ins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class SignInSession(SQLModel, table=True):
    """A signed-in browser. Only the token's SHA-256 is stored, never the token."""

    __tablename__ = "sign_in_session"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: int = Field(foreign_key="tracker_user.id", index=True)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    last_seen_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class Review(SQLModel, table=True):
    """A monitor's decision on a claimed implementation: append-only, never edited."""

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="evidence_update.id", index=True)
    decision: str = Field(max_length=16)  # accepted, returned
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    reviewed_by: str  # username
    reviewed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class AuditEvent(SQLModel, table=True):
    """One entry of the tamper-evident audit trail: append-only, hash-chained."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    actor: str = Field(index=True)  # username, or local:<account>
    actor_role: str = Field(max_length=16)
    action: str = Field(max_length=64, index=True)
    outcome: str = Field(max_length=16)  # done, refused, failed
    object_type: str = Field(max_length=32)
    object_id: str
    before: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    after: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    message: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    previous_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


# --- Board meetings (migration 0005) ---------------------------------------------------------


class Meeting(SQLModel, table=True):
    """An oversight board's meeting: the default "since" for what changed. Append-only."""

    __table_args__ = (sa.UniqueConstraint("board", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    board: str = Field(max_length=200)
    held_on: date = Field(index=True)
    recorded_by: str = Field(max_length=64)  # username
    recorded_by_name: str  # display name, as shown
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


# --- Return rounds and statutory responses (migration 0006) ---------------------------------
# All four are append-only (triggers in migration 0006): a round is opened once, its scope is
# fixed when it opens, closing it appends a closure, and a correction to a statutory response
# is a new row (the latest recorded wins).


class ReturnRound(SQLModel, table=True):
    """A request to the accountable organisations for a return by a due date."""

    __tablename__ = "return_round"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    report_id: str = Field(foreign_key="report.id", max_length=64)
    due_date: date
    recommendations: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    opened_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    opened_by: str = Field(max_length=64)  # username


class ReturnRoundScope(SQLModel, table=True):
    """One assignment a round asks a return for, fixed when the round opens."""

    __tablename__ = "return_round_scope"
    __table_args__ = (sa.UniqueConstraint("round_id", "assignment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="return_round.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id")
    organisation_id: str = Field(foreign_key="organisation.id", max_length=64)


class ReturnRoundClosure(SQLModel, table=True):
    """A round closed: returns recorded after this no longer count for it."""

    __tablename__ = "return_round_closure"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="return_round.id", sa_column_kwargs={"unique": True})
    closed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    closed_by: str = Field(max_length=64)  # username


class StatutoryResponse(SQLModel, table=True):
    """A local policing body's published comments on the report (s.55 Police Act 1996)."""

    __tablename__ = "statutory_response"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=64, index=True)
    report_id: str = Field(foreign_key="report.id", max_length=64)
    published: date
    url: str = Field(max_length=2000)
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    recorded_by: str = Field(max_length=64)  # username


# --- Reminders (migration 0007) --------------------------------------------------------------


class ReminderSent(SQLModel, table=True):
    """One reminder emailed to an organisation: append-only. Its trigger key (what it was
    about, and which occasion) is unique per organisation, so no reminder goes twice."""

    __tablename__ = "reminder_sent"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "trigger_key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=64)
    trigger_key: str = Field(max_length=200)  # e.g. "overdue:164:2023-04-05:0"
    kind: str = Field(max_length=32)  # due_30, due_7, due_1, overdue, stale, returned, round_…
    as_of: date
    sent_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    message_id: str = Field(max_length=200)  # the email's Message-ID: one digest, many rows
    recipients: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )


# --- Read side (migration 0008) --------------------------------------------------------------
# (tables for counters or projections go here)
