"""Users, sign-in with local accounts, and signed-in sessions.

Passwords are hashed with argon2id (argon2-cffi). There is no default account: the first
administrator is created with `tracker users add NAME --role admin --password-stdin`.
Every change to a user, every failed sign-in and every lock-out is on the audit trail.
"""

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tracker import audit, store_users
from tracker.catalogue import UnknownOrganisationError
from tracker.db import read_session, write_session
from tracker.roles import Action, Actor, Role
from tracker.services import audit as audit_trail
from tracker.services.access import _directory, authorise
from tracker.settings import get_settings
from tracker.text import TextError, clean_text

UserRecord = store_users.UserRecord
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Compared against when the username is unknown, so a wrong name takes as long as a wrong password.


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown, so the time taken does not tell.
    Made on first use: hashing takes a fifth of a second, too long for every command's start."""
    return _hasher.hash("not a password anyone has")


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


class SignInError(PermissionError):
    """Sign-in refused: the message is safe to show (it never says which part was wrong)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def actor_for(user: UserRecord) -> Actor:
    return Actor(
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        organisation_ids=frozenset(user.organisation_ids),
    )


def _check_role_and_orgs(role: str, organisation_ids: Sequence[str]) -> tuple[Role, list[str]]:
    try:
        parsed = Role(role)
    except ValueError:
        raise UserError(
            f"{role!r} is not a role; use one of {', '.join(r.value for r in Role)}"
        ) from None
    ids: list[str] = []
    directory = _directory()
    for name in organisation_ids:
        try:
            ids.append(directory.resolve(name).id)
        except UnknownOrganisationError as exc:
            raise UserError(str(exc)) from None
    if parsed == Role.EDITOR and not ids:
        raise UserError("an editor needs at least one organisation (--org)")
    if parsed != Role.EDITOR and ids:
        raise UserError(f"only editors are tied to organisations, not {parsed.value}s")
    return parsed, sorted(set(ids))


def check_password(password: str) -> None:
    minimum = get_settings().min_password_length
    if len(password) < minimum:
        raise UserError(f"a password needs at least {minimum} characters")
    if len(password) > 1024:
        raise UserError("a password can have at most 1,024 characters")


def create_user(
    *,
    engine: Engine,
    actor: Actor,
    username: str,
    role: str,
    organisation_ids: Sequence[str] = (),
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> UserRecord:
    authorise(
        engine=engine,
        actor=actor,
        action=Action.MANAGE_USERS,
        object_type="user",
        object_id=username,
    )
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise UserError(
            f"{username!r} is not a usable username: 2 to 64 lower-case letters, digits, "
            "dots, hyphens, underscores or @, starting with a letter or digit"
        )
    parsed, ids = _check_role_and_orgs(role, organisation_ids)
    email = email.strip().lower() if email else None
    if email and not EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    if password is not None:
        check_password(password)
    try:
        display_name = clean_text(display_name or username, max_length=200, multiline=False)
    except TextError as exc:
        raise UserError(f"display name: {exc}") from None
    try:
        with write_session(engine) as session:
            user = store_users.add_user(
                session=session,
                username=username,
                display_name=display_name,
                email=email,
                role=parsed.value,
                organisation_ids=ids,
                password_hash=_hasher.hash(password) if password is not None else None,
                created_at=_now(),
            )
            audit_trail.record(
                session,
                actor,
                "user_created",
                object_type="user",
                object_id=username,
                after=user.public(),
            )
    except IntegrityError:
        raise UserError(f"a user {username!r} or with email {email!r} already exists") from None
    return user


def list_users(*, engine: Engine, actor: Actor) -> list[UserRecord]:
    authorise(engine=engine, actor=actor, action=Action.MANAGE_USERS)
    with read_session(engine) as session:
        return store_users.users(session=session)


def _change(
    engine: Engine, actor: Actor, username: str, event: str, **values: object
) -> UserRecord:
    authorise(
        engine=engine,
        actor=actor,
        action=Action.MANAGE_USERS,
        object_type="user",
        object_id=username,
    )
    with write_session(engine) as session:
        before = store_users.user(session=session, username=username)
        if before is None:
            raise UserError(f"there is no user {username!r} (see `tracker users list`)")
        after = store_users.change_user(session=session, username=username, **values)
        if Role.ADMIN.value in (after.role, before.role) and (
            store_users.count_active(session=session, role=Role.ADMIN.value) == 0
        ):
            raise UserError("that would leave no active administrator")
        # A change of role, scope, password or activity signs the user out everywhere.
        store_users.end_sessions_of(session=session, user_id=after.id, now=_now())
        audit_trail.record(
            session,
            actor,
            event,
            object_type="user",
            object_id=username,
            before=before.public(),
            after=after.public(),
        )
    return after


def set_active(*, engine: Engine, actor: Actor, username: str, active: bool) -> UserRecord:
    return _change(
        engine,
        actor,
        username,
        "user_enabled" if active else "user_disabled",
        active=active,
        failed_sign_ins=0,
        locked_until=None,
    )


def set_role(
    *,
    engine: Engine,
    actor: Actor,
    username: str,
    role: str,
    organisation_ids: Sequence[str] | None = None,
) -> UserRecord:
    with read_session(engine) as session:
        current = store_users.user(session=session, username=username)
    orgs = (
        organisation_ids
        if organisation_ids is not None
        else (current.organisation_ids if current and role == Role.EDITOR.value else ())
    )
    parsed, ids = _check_role_and_orgs(role, orgs)
    return _change(
        engine, actor, username, "user_role_changed", role=parsed.value, organisation_ids=ids
    )


def set_organisations(
    *, engine: Engine, actor: Actor, username: str, organisation_ids: Sequence[str]
) -> UserRecord:
    with read_session(engine) as session:
        current = store_users.user(session=session, username=username)
    role = current.role if current else Role.EDITOR.value
    _, ids = _check_role_and_orgs(role, organisation_ids)
    return _change(engine, actor, username, "user_organisations_changed", organisation_ids=ids)


def reset_password(*, engine: Engine, actor: Actor, username: str, password: str) -> UserRecord:
    check_password(password)
    return _change(
        engine,
        actor,
        username,
        "user_password_reset",
        password_hash=_hasher.hash(password),
        failed_sign_ins=0,
        locked_until=None,
    )


def has_active_administrator(*, engine: Engine) -> bool:
    with read_session(engine) as session:
        return store_users.count_active(session=session, role=Role.ADMIN.value) > 0


def find_user(*, engine: Engine, username: str) -> UserRecord | None:
    with read_session(engine) as session:
        return store_users.user(session=session, username=username.strip().lower())


def user_for_email(*, engine: Engine, email: str) -> UserRecord | None:
    """The active tracker user single sign-on maps an identity to, or None."""
    with read_session(engine) as session:
        found = store_users.user_by_email(session=session, email=email.strip())
    return found if found is not None and found.active else None


# --- Sign-in -------------------------------------------------------------------------------


def record_single_sign_on(*, engine: Engine, identity: str, user: UserRecord | None) -> None:
    """Keep a single sign-on on the audit trail: who came in, or which identity was turned away
    (the identity provider vouched for it, but no active tracker user has it)."""
    identity = identity.strip()[:254] or "(no identity)"
    if user is None:
        audit_trail.record_alone(
            engine,
            _as_attempt("(single sign-on)"),
            "sign_in",
            object_type="identity",
            object_id=identity,
            outcome=audit.Outcome.REFUSED,
            message="single sign-on: no active tracker user has this identity",
        )
        return
    audit_trail.record_alone(
        engine,
        actor_for(user),
        "sign_in",
        object_type="user",
        object_id=user.username,
        message="single sign-on",
    )


def _as_attempt(username: str) -> Actor:
    return Actor(username=username[:64] or "(blank)", display_name=username, role=Role.VIEWER)


def authenticate(
    *, engine: Engine, username: str, password: str, now: datetime | None = None
) -> Actor:
    """Check a username and password; count failures and lock the account after too many."""
    now = now or _now()
    settings = get_settings()
    username = username.strip().lower()
    if not USERNAME.match(username):
        # Never store whatever was typed: it could be huge, or a spreadsheet formula.
        username = "(invalid username)"
    generic = "The username or password is not right."
    locked: datetime | None = None
    message = ""
    with write_session(engine) as session:
        # Locked until commit, so parallel guesses queue and each failure is counted.
        user = store_users.user(session=session, username=username, lock=True)
        stored_hash = store_users.password_hash(session=session, username=username)
        if user is not None and user.locked_until and _aware(user.locked_until) > now:
            until = _aware(user.locked_until)
            audit_trail.record(
                session,
                _as_attempt(username),
                "sign_in",
                object_type="user",
                object_id=username,
                outcome=audit.Outcome.REFUSED,
                message="account locked",
                at=now,
            )
            raise SignInError(
                "This account is locked after too many failed sign-ins. "
                f"Try again after {until:%H:%M} UTC, or ask your administrator."
            )
        try:
            _hasher.verify(stored_hash or _dummy_hash(), password)
            good = user is not None and stored_hash is not None and user.active
        except (VerificationError, InvalidHashError):
            good = False
        if not good:
            message = "wrong username or password"
            if user is not None and user.active:
                failures = user.failed_sign_ins + 1
                if failures >= settings.max_failed_sign_ins:
                    locked = now + timedelta(minutes=settings.lockout_minutes)
                    message = f"account locked until {locked:%Y-%m-%d %H:%M} UTC"
                store_users.change_user(
                    session=session,
                    username=username,
                    failed_sign_ins=failures,
                    locked_until=locked,
                )
            elif user is not None:
                message = "account disabled"
            audit_trail.record(
                session,
                _as_attempt(username),
                "sign_in",
                object_type="user",
                object_id=username,
                outcome=audit.Outcome.FAILED,
                message=message,
                at=now,
            )
        else:
            assert user is not None
            if user.failed_sign_ins or user.locked_until:
                store_users.change_user(
                    session=session, username=username, failed_sign_ins=0, locked_until=None
                )
            audit_trail.record(
                session,
                actor_for(user),
                "sign_in",
                object_type="user",
                object_id=username,
                at=now,
            )
    if not good:
        if locked is not None:
            raise SignInError(
                "Too many failed sign-ins: this account is locked until "
                f"{locked:%H:%M} UTC. Ask your administrator if you need it sooner."
            )
        raise SignInError(generic)
    assert user is not None
    return actor_for(user)


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    token: str  # give to the browser; only its hash is stored


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(*, engine: Engine, actor: Actor, now: datetime | None = None) -> SignedIn:
    now = now or _now()
    token = secrets.token_urlsafe(32)
    with write_session(engine) as session:
        user = store_users.user(session=session, username=actor.username)
        if user is None or not user.active:
            raise SignInError("This account cannot sign in.")
        store_users.add_session(
            session=session,
            token_sha256=_token_hash(token),
            user_id=user.id,
            now=now,
            expires_at=now + timedelta(hours=get_settings().session_max_hours),
        )
    return SignedIn(actor=actor_for(user), token=token)


_TOUCH_EVERY = timedelta(seconds=30)


def resume_session(*, engine: Engine, token: str, now: datetime | None = None) -> Actor | None:
    """The user a browser's token belongs to, if the session is live; refreshes its idle clock."""
    now = now or _now()
    idle = timedelta(minutes=get_settings().idle_timeout_minutes)
    with write_session(engine) as session:
        found = store_users.session_by_token(session=session, token_sha256=_token_hash(token))
        if found is None or found.ended_at is not None:
            return None
        if _aware(found.expires_at) <= now or _aware(found.last_seen_at) + idle <= now:
            store_users.end_session(session=session, session_id=found.id, now=now)
            return None
        user = store_users.user(session=session, username=found.username)
        if user is None or not user.active:
            return None
        # The idle clock needs minutes, not milliseconds: writing it on every rerun would make
        # each page view a write (a disk flush on SQLite) for nothing.
        if now - _aware(found.last_seen_at) >= _TOUCH_EVERY:
            store_users.touch_session(session=session, session_id=found.id, now=now)
    return actor_for(user)


def end_session(*, engine: Engine, token: str, now: datetime | None = None) -> None:
    now = now or _now()
    with write_session(engine) as session:
        found = store_users.session_by_token(session=session, token_sha256=_token_hash(token))
        if found is None:
            return
        store_users.end_session(session=session, session_id=found.id, now=now)
        user = store_users.user(session=session, username=found.username)
        if user is not None:
            audit_trail.record(
                session,
                actor_for(user),
                "sign_out",
                object_type="user",
                object_id=user.username,
                at=now,
            )
