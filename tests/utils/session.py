"""Sign an AppTest session in, the way a browser would after the sign-in form."""

from streamlit.testing.v1 import AppTest

from tracker.db import get_engine
from tracker.roles import Actor, local_operator
from tracker.services import users
from tracker.ui.session import TOKEN_KEY
from utils.factories import TEST_ADMIN


def ensure_user(actor: Actor) -> None:
    """Create the tracker user behind ``actor`` if the database does not have it yet."""
    engine = get_engine()
    if users.find_user(engine=engine, username=actor.username) is None:
        users.create_user(
            engine=engine,
            actor=local_operator(),
            username=actor.username,
            role=actor.role.value,
            organisation_ids=sorted(actor.organisation_ids),
            display_name=actor.display_name,
        )


def signed_in(at: AppTest, actor: Actor = TEST_ADMIN) -> AppTest:
    """Give ``at`` a live sign-in session for ``actor`` (created as a user if need be)."""
    ensure_user(actor)
    signed = users.start_session(engine=get_engine(), actor=actor)
    at.session_state[TOKEN_KEY] = signed.token
    return at
