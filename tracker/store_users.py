"""Reads and writes of tracker users and their sign-in sessions."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from tracker.models import SignInSession, User


@dataclass(frozen=True)
class UserRecord:
    """A user as the services see it: never the live ORM row."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    organisation_ids: tuple[str, ...]
    active: bool
    has_password: bool
    failed_sign_ins: int
    locked_until: datetime | None
    created_at: datetime

    def public(self) -> dict[str, Any]:
        """What the audit trail keeps of a user (never the password hash)."""
        return {
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "role": self.role,
            "organisation_ids": sorted(self.organisation_ids),
            "active": self.active,
        }


def _record(row: User) -> UserRecord:
    assert row.id is not None
    return UserRecord(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        role=row.role,
        organisation_ids=tuple(row.organisation_ids),
        active=row.active,
        has_password=row.password_hash is not None,
        failed_sign_ins=row.failed_sign_ins,
        locked_until=row.locked_until,
        created_at=row.created_at,
    )


def add_user(
    *,
    session: Session,
    username: str,
    display_name: str,
    email: str | None,
    role: str,
    organisation_ids: list[str],
    password_hash: str | None,
    created_at: datetime,
) -> UserRecord:
    row = User(
        username=username,
        display_name=display_name,
        email=email,
        role=role,
        organisation_ids=organisation_ids,
        password_hash=password_hash,
        created_at=created_at,
    )
    session.add(row)
    session.flush()
    return _record(row)


def _row(session: Session, username: str, *, lock: bool = False) -> User | None:
    query = select(User).where(User.username == username)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def user(*, session: Session, username: str, lock: bool = False) -> UserRecord | None:
    """One user; ``lock`` holds the row to the end of the transaction (concurrent sign-ins)."""
    row = _row(session, username, lock=lock)
    return _record(row) if row else None


def user_by_email(*, session: Session, email: str) -> UserRecord | None:
    row = session.exec(select(User).where(func.lower(User.email) == email.lower())).first()
    return _record(row) if row else None


def users(*, session: Session) -> list[UserRecord]:
    return [_record(r) for r in session.exec(select(User).order_by(col(User.username)))]


def password_hash(*, session: Session, username: str) -> str | None:
    row = _row(session, username)
    return row.password_hash if row else None


def change_user(*, session: Session, username: str, **values: Any) -> UserRecord:
    """Set the given columns of one user (locked for the transaction) and return it."""
    row = _row(session, username, lock=True)
    if row is None:
        raise LookupError(f"No user {username!r}.")
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    return _record(row)


def count_active(*, session: Session, role: str) -> int:
    return int(
        session.exec(
            select(func.count(col(User.id))).where(User.role == role, col(User.active).is_(True))
        ).one()
    )


# --- Sessions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRecord:
    id: int
    username: str
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None


def add_session(
    *, session: Session, token_sha256: str, user_id: int, now: datetime, expires_at: datetime
) -> None:
    session.add(
        SignInSession(
            token_sha256=token_sha256,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()


def session_by_token(*, session: Session, token_sha256: str) -> SessionRecord | None:
    found = session.exec(
        select(SignInSession, User.username)
        .join(User, col(SignInSession.user_id) == col(User.id))
        .where(SignInSession.token_sha256 == token_sha256)
    ).first()
    if found is None:
        return None
    row, username = found
    assert row.id is not None
    return SessionRecord(row.id, username, row.last_seen_at, row.expires_at, row.ended_at)


def touch_session(*, session: Session, session_id: int, now: datetime) -> None:
    row = session.get(SignInSession, session_id)
    if row is not None:
        row.last_seen_at = now
        session.add(row)


def end_session(*, session: Session, session_id: int, now: datetime) -> None:
    row = session.get(SignInSession, session_id)
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.add(row)


def end_sessions_of(*, session: Session, user_id: int, now: datetime) -> None:
    """Sign a user out everywhere (disabled, role or password changed)."""
    for row in session.exec(
        select(SignInSession).where(
            SignInSession.user_id == user_id, col(SignInSession.ended_at).is_(None)
        )
    ):
        row.ended_at = now
        session.add(row)
