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
        sa.Index("ix_evidence_update_assignment_evidence", "assignment_id", "evidence_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id")
    status: str = Field(max_length=32)
    evidence_date: date
    recorded_at: datetime = Field(index=True)
    recorded_by: str
    narrative: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    links: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    revised_target_date: date | None = None
    revision_reason: str | None = None
    source: str = Field(max_length=32)  # form, import, demo, cli
    # SHA-256 of what the update says: the same return imported twice is stored once.
    fingerprint: str = Field(max_length=64)


class Attachment(SQLModel, table=True):
    """An evidence file, stored with its SHA-256: append-only."""

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="evidence_update.id", index=True)
    filename: str
    content_type: str
    size_bytes: int
    sha256: str = Field(max_length=64, index=True)
    content: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
