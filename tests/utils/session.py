"""Sign an AppTest session in, the way a browser would after the sign-in form."""

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from tracker import store_users
from tracker.db import get_engine, write_session
from tracker.roles import Actor
from tracker.services import users
from tracker.ui.session import TOKEN_KEY
from utils.factories import TEST_ADMIN


def ensure_user(actor: Actor) -> None:
    """Create the tracker user behind ``actor`` if the database does not have it yet.

    Straight through the store, so the audit trail a test counts holds only what it did.
    """
    engine = get_engine()
    if users.find_user(engine=engine, username=actor.username) is None:
        with write_session(engine) as session:
            store_users.add_user(
                session=session,
                username=actor.username,
                display_name=actor.display_name,
                email=None,
                role=actor.role.value,
                organisation_ids=sorted(actor.organisation_ids),
                password_hash=None,
                created_at=datetime.now(UTC),
            )


def signed_in(at: AppTest, actor: Actor = TEST_ADMIN) -> AppTest:
    """Give ``at`` a live sign-in session for ``actor`` (created as a user if need be)."""
    ensure_user(actor)
    signed = users.start_session(engine=get_engine(), actor=actor)
    at.session_state[TOKEN_KEY] = signed.token
    return at
