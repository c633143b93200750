"""Who is using the dashboard in this browser session: sign-in, sign-out and demonstration users.

Three ways in, chosen by the settings:
- local accounts (the default): a sign-in form; a random session token is kept in this session's
  state and in a cookie, so a reload keeps the user signed in until the token expires, sits idle
  too long or is ended by signing out (the database keeps only the token's SHA-256);
- single sign-on (``TRACKER_SIGN_IN=oidc``): Streamlit's ``st.login``; the identity's claim
  (email by default) must name an active tracker user, or the user is told to ask for access;
- demonstration mode (set only by ``tracker serve --demo``): no sign-in, a demonstration viewer
  with a switch to act as a sample user of each role.
"""

import json
from collections.abc import Iterable
from datetime import timedelta

import streamlit as st
from sqlalchemy.engine import Engine

from tracker.roles import Action, Actor, Role, Target, permits
from tracker.services import users
from tracker.services.access import refusal_for
from tracker.services.demo import SAMPLE_USERS, VIEWER_SAMPLE
from tracker.settings import get_settings
from tracker.ui.data import OrganisationOption
from tracker.ui.text import escape_markdown as plain

ACTOR_KEY = "tracker_actor"
TOKEN_KEY = "tracker_session_token"
TOKEN_COOKIE = "tracker_session"
DEMO_COOKIE = "tracker_demo_as"
DEMO_KEY = "demo_acting_as"
USERNAME_KEY = "sign_in_username"
PASSWORD_KEY = "sign_in_password"
SIGN_IN_KEY = "sign_in_submit"
SIGN_OUT_KEY = "sign_out"

_PROBLEM = "_sign_in_problem"
_NOTICE = "_sign_in_notice"
_SIGNED_OUT = "_signed_out"
_COOKIE_WRITE = "_cookie_write"
_UNKNOWN_IDENTITY = "_unknown_identity"
_SSO_AUDITED = "_single_sign_on_audited"  # the identity already on the audit trail
_KEPT = "_kept_while_signed_out"

SIGNED_OUT_UNSAVED = "You have been signed out: sign in again. Nothing was saved."


def current_actor() -> Actor:
    """The actor this rerun acts as; app.py settles it before any page runs."""
    actor = st.session_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        st.error("You are not signed in.")
        st.stop()
    return actor


def may_record_for(organisation: OrganisationOption) -> bool:
    target = Target(id=organisation.id, name=organisation.name, kind=organisation.kind)
    return permits(current_actor(), Action.RECORD, target)


def may(action: Action, organisation_id: str | None = None) -> bool:
    """May the current user do this (for this organisation)? What a page offers; the service
    checks again."""
    return refusal_for(current_actor(), action, organisation_id) is None


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except (AttributeError, RuntimeError):  # no browser request behind this run (AppTest)
        return None
    return value if isinstance(value, str) and value else None


def _queue_cookie(name: str, value: str, max_age: int) -> None:
    """Ask the browser to store (or, with max_age 0, forget) a cookie on the next draw."""
    st.session_state.setdefault(_COOKIE_WRITE, []).append((name, value, max_age))


def write_queued_cookies() -> None:
    """Streamlit has no call to set a cookie; a line of script run in the page does it.

    The values are ours (a URL-safe token or a sample username), never anything typed.
    """
    writes = st.session_state.pop(_COOKIE_WRITE, [])
    if not writes:
        return
    lines = "".join(
        f"document.cookie = {json.dumps(f'{name}={value}; Path=/; Max-Age={age}; SameSite=Strict')}"
        " + (location.protocol === 'https:' ? '; Secure' : '');"
        for name, value, age in writes
    )
    with st.sidebar:
        st.html(f"<script>{lines}</script>", unsafe_allow_javascript=True)


# --- Resolving who is here ---------------------------------------------------------------------


def resolve_actor(engine: Engine) -> Actor | None:
    """The actor for this rerun, or None when the user must sign in (or ask for access)."""
    settings = get_settings()
    actor: Actor | None
    if settings.demo:
        actor = _demo_actor(engine)
    elif settings.sign_in == "oidc":
        actor = _oidc_actor(engine, settings.oidc_user_claim)
    else:
        actor = _local_actor(engine)
    if actor is None:
        st.session_state.pop(ACTOR_KEY, None)
    else:
        st.session_state[ACTOR_KEY] = actor
        st.session_state.pop(_NOTICE, None)  # said on the sign-in page; not needed now
        _restore_typed(actor)
    return actor


def live_actor(engine: Engine, *, keep: Iterable[str] = ()) -> Actor | None:
    """The signed-in user as of now, for a callback that writes.

    Streamlit runs callbacks before the script, so the actor kept from the last run may since
    have expired, gone idle, been disabled, signed out elsewhere or changed role. On None the
    caller writes nothing; the next run shows the sign-in page with a plain message, and the
    widget values named in ``keep`` come back once the same user signs in again.
    """
    before = st.session_state.get(ACTOR_KEY)
    actor = resolve_actor(engine)
    if actor is None:
        st.session_state[_NOTICE] = SIGNED_OUT_UNSAVED
        if isinstance(before, Actor):
            # Widget values vanish while the sign-in page is shown: kept aside until then.
            typed = {k: st.session_state[k] for k in keep if k in st.session_state}
            st.session_state[_KEPT] = (before.username, typed)
    return actor


def _restore_typed(actor: Actor) -> None:
    kept = st.session_state.pop(_KEPT, None)
    if kept is not None and kept[0] == actor.username:  # never another user's words
        for key, value in kept[1].items():
            st.session_state[key] = value


def _local_actor(engine: Engine) -> Actor | None:
    state = st.session_state
    token = state.get(TOKEN_KEY)
    if not token and not state.get(_SIGNED_OUT):
        token = _cookie(TOKEN_COOKIE)
    if not token:
        return None
    actor = users.resume_session(engine=engine, token=token)
    if actor is None:
        state.pop(TOKEN_KEY, None)
        _queue_cookie(TOKEN_COOKIE, "", 0)
        state[_NOTICE] = (
            "You have been signed out: your session ended or was idle for more than "
            f"{get_settings().idle_timeout_minutes} minutes. Sign in again to go on."
        )
        state[_SIGNED_OUT] = True  # the browser's cookie still holds the dead token
        return None
    state[TOKEN_KEY] = token
    return actor


def _oidc_actor(engine: Engine, claim: str) -> Actor | None:
    st.session_state.pop(_UNKNOWN_IDENTITY, None)
    if not st.user.is_logged_in:
        return None
    value = st.user.get(claim)
    found = users.user_for_email(engine=engine, email=str(value)) if value else None
    if st.session_state.get(_SSO_AUDITED) != str(value):  # once per browser session
        users.record_single_sign_on(engine=engine, identity=str(value or ""), user=found)
        st.session_state[_SSO_AUDITED] = str(value)
    if found is None:
        st.session_state[_UNKNOWN_IDENTITY] = str(value or "")
        return None
    return users.actor_for(found)


def _demo_actor(engine: Engine) -> Actor:
    chosen = st.session_state.get(DEMO_KEY) or _cookie(DEMO_COOKIE) or VIEWER_SAMPLE
    if chosen not in SAMPLE_USERS:
        chosen = VIEWER_SAMPLE
    st.session_state[DEMO_KEY] = chosen
    found = users.find_user(engine=engine, username=chosen)
    if found is None:  # the demonstration data was never loaded: a viewer who writes nothing
        return Actor(username=chosen, display_name="Demonstration viewer", role=Role.VIEWER)
    return users.actor_for(found)


# --- Pages shown instead of the tracker ---------------------------------------------------------


def _sign_in(engine: Engine) -> None:
    state = st.session_state
    state.pop(_PROBLEM, None)
    state.pop(_NOTICE, None)
    username = state.get(USERNAME_KEY) or ""
    password = state.get(PASSWORD_KEY) or ""
    state[PASSWORD_KEY] = ""  # never kept beyond this attempt
    if not username.strip() or not password:
        state[_PROBLEM] = "Enter your username and password."
        return
    try:
        actor = users.authenticate(engine=engine, username=username, password=password)
        signed_in = users.start_session(engine=engine, actor=actor)
    except users.SignInError as exc:
        state[_PROBLEM] = str(exc)
        return
    state[TOKEN_KEY] = signed_in.token
    state[ACTOR_KEY] = signed_in.actor
    state.pop(_SIGNED_OUT, None)
    max_age = int(timedelta(hours=get_settings().session_max_hours).total_seconds())
    _queue_cookie(TOKEN_COOKIE, signed_in.token, max_age)


def show_sign_in_page(engine: Engine) -> None:
    """The local sign-in form, with a plain message above it when something went wrong."""
    st.title("Sign in")
    st.caption("Sign in with the username and password your administrator gave you.")
    notice = st.session_state.get(_NOTICE)
    if notice:
        st.info(notice, icon=":material/logout:")
    problem = st.session_state.get(_PROBLEM)
    if problem:
        with st.container(key="sign_in_problem"):
            st.error(f"**There is a problem**\n\n{plain(problem)}")
    with st.form("sign_in_form", border=False):
        st.text_input("Username", key=USERNAME_KEY, autocomplete="username")
        st.text_input(
            "Password", type="password", key=PASSWORD_KEY, autocomplete="current-password"
        )
        st.form_submit_button(
            "Sign in", type="primary", key=SIGN_IN_KEY, on_click=_sign_in, args=(engine,)
        )
    write_queued_cookies()


def show_single_sign_on_page() -> None:
    st.title("Sign in")
    notice = st.session_state.get(_NOTICE)
    if notice:
        st.info(notice, icon=":material/logout:")
    if _UNKNOWN_IDENTITY in st.session_state:
        show_no_access_page()
        return
    st.write("This tracker uses your organisation's account to sign you in.")
    st.button(
        "Sign in with your organisation account",
        type="primary",
        key="sso_sign_in",
        on_click=st.login,
    )


def show_no_access_page() -> None:
    identity = st.session_state.get(_UNKNOWN_IDENTITY) or "this account"
    with st.container(key="no_access"):
        st.warning(
            f"You are signed in as {plain(identity)}, but that account has no access to "
            "this tracker. Ask your administrator to add you.",
            icon=":material/block:",
        )
    st.button("Sign out", key=SIGN_OUT_KEY, on_click=st.logout)


# --- Sidebar: who is signed in, sign-out, the demonstration switch -----------------------------


def _sign_out(engine: Engine) -> None:
    state = st.session_state
    token = state.pop(TOKEN_KEY, None)
    if token:
        users.end_session(engine=engine, token=token)
    state.pop(ACTOR_KEY, None)
    state[_SIGNED_OUT] = True
    state[_NOTICE] = "You have signed out."
    _queue_cookie(TOKEN_COOKIE, "", 0)


def _demo_switched() -> None:
    chosen = st.session_state.get(DEMO_KEY) or VIEWER_SAMPLE
    _queue_cookie(DEMO_COOKIE, chosen, 7 * 24 * 3600)


def show_signed_in(actor: Actor, engine: Engine, organisation_names: dict[str, str]) -> None:
    settings = get_settings()
    with st.sidebar, st.container(key="signed_in"):
        if settings.demo:
            st.selectbox(
                "Demonstration mode: act as",
                options=list(SAMPLE_USERS),
                format_func=lambda u: SAMPLE_USERS.get(u, u),
                key=DEMO_KEY,
                on_change=_demo_switched,
                help="This dashboard is running with demonstration data and no sign-in.",
            )
        who = "Acting as" if settings.demo else "Signed in as"
        st.caption(f"{who} {plain(actor.display_name)}")
        orgs = sorted(organisation_names.get(o, o) for o in actor.organisation_ids)
        role = actor.role.label + (f" for {', '.join(orgs)}" if orgs else "")
        st.caption(plain(role))
        if settings.demo:
            pass  # nobody signed in, so there is nothing to sign out of
        elif settings.sign_in == "oidc":
            st.button("Sign out", key=SIGN_OUT_KEY, on_click=st.logout)
        else:
            st.button("Sign out", key=SIGN_OUT_KEY, on_click=_sign_out, args=(engine,))
    write_queued_cookies()
