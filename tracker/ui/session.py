"""Who is using the dashboard in this browser session.

Placeholder until sign-in lands: every session acts as a demonstration administrator, as the
dashboard did before roles existed. Sign-in replaces ``current_actor`` with the signed-in user.
"""

import streamlit as st

from tracker.roles import Actor, Role

ACTOR_KEY = "tracker_actor"
DEMO_ACTOR = Actor(username="demo", display_name="Demonstration user", role=Role.ADMIN)


def current_actor() -> Actor:
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else DEMO_ACTOR
