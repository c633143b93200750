"""Signing in to the dashboard in AppTest: the form, its plain errors, lock-out, the idle
timeout, sign-out, and what each role is offered once in."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER
from utils.session import ensure_user, signed_in

from tracker.catalogue import load_directory
from tracker.roles import NATIONAL_KINDS, Actor, local_operator
from tracker.services import users
from tracker.ui import navigation
from tracker.ui.format import kind_label
from tracker.ui.session import TOKEN_KEY

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
PASSWORD = "correct horse battery"


def fresh() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def add_user(engine: Engine, username: str = "jane.smith", role: str = "viewer") -> None:
    users.create_user(
        engine=engine,
        actor=local_operator(),
        username=username,
        role=role,
        display_name="Jane Smith",
        password=PASSWORD,
    )


def try_sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def sidebar_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def test_without_a_session_only_the_sign_in_form_shows(loaded_engine: Engine) -> None:
    at = fresh().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Sign in"
    assert {t.label for t in at.text_input} == {"Username", "Password"}
    assert not at.metric and not at.dataframe  # no figures before sign-in


def test_right_password_signs_in_and_the_sidebar_says_who(loaded_engine: Engine) -> None:
    add_user(loaded_engine)
    at = try_sign_in(fresh().run(), "jane.smith", PASSWORD)
    assert at.title[0].value != "Sign in"
    assert "Signed in as Jane Smith" in sidebar_text(at)
    assert "Viewer" in sidebar_text(at)
    assert at.session_state[TOKEN_KEY]
    assert at.sidebar.button(key="sign_out").label == "Sign out"


def test_wrong_password_gives_one_plain_message_and_no_access(loaded_engine: Engine) -> None:
    add_user(loaded_engine)
    at = try_sign_in(fresh().run(), "jane.smith", "not the password")
    assert at.title[0].value == "Sign in"
    message = " ".join(e.value for e in at.error)
    assert "There is a problem" in message
    assert "username or password is not right" in message
    assert at.text_input(key="sign_in_password").value == ""  # never kept


def test_lock_out_after_repeated_failures_names_when_it_lifts(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_MAX_FAILED_SIGN_INS", "3")
    add_user(loaded_engine)
    at = fresh().run()
    for _ in range(3):
        try_sign_in(at, "jane.smith", "not the password")
    message = " ".join(e.value for e in at.error)
    assert "locked until" in message and "UTC" in message
    # Even the right password is refused while it is locked.
    try_sign_in(at, "jane.smith", PASSWORD)
    assert at.title[0].value == "Sign in"
    assert "locked" in " ".join(e.value for e in at.error)


def test_sign_out_ends_the_session_for_good(loaded_engine: Engine) -> None:
    add_user(loaded_engine)
    at = try_sign_in(fresh().run(), "jane.smith", PASSWORD)
    token = at.session_state[TOKEN_KEY]
    at.sidebar.button(key="sign_out").click().run()
    assert at.title[0].value == "Sign in"
    assert any("You have signed out" in i.value for i in at.info)
    assert users.resume_session(engine=loaded_engine, token=token) is None


def test_an_idle_session_returns_to_the_sign_in_form_saying_why(loaded_engine: Engine) -> None:
    ensure_user(VIEWER)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    stale = users.start_session(engine=loaded_engine, actor=VIEWER, now=long_ago)
    at = fresh()
    at.session_state[TOKEN_KEY] = stale.token
    at.run()
    assert at.title[0].value == "Sign in"
    assert any("idle for more than 30 minutes" in i.value for i in at.info)


def test_viewer_is_given_no_page_that_writes(loaded_engine: Engine) -> None:
    assert "record" not in {p.url_path for p in navigation.pages_for(VIEWER)}
    for actor in (TEST_ADMIN, MONITOR, KENT_EDITOR):
        assert "record" in {p.url_path for p in navigation.pages_for(actor)}
    at = signed_in(fresh(), VIEWER).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/record.py")  # not registered, so it cannot be opened


def record_links_on_kent_force_page(actor: Actor) -> list[str]:
    at = signed_in(fresh(), actor)
    at.session_state["force_org"] = "kent"
    at.run()
    at.switch_page("../pages/force.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value.startswith("Kent")
    links = (str(getattr(link, "proto", "")) for link in at.get("page_link"))
    return [link for link in links if "Record an update" in link]


def test_viewer_sees_no_record_link_on_the_force_page(demo_engine: Engine) -> None:
    assert record_links_on_kent_force_page(VIEWER) == []
    assert record_links_on_kent_force_page(KENT_EDITOR)  # the editor has it


def open_record_form(actor_at: AppTest) -> AppTest:
    actor_at.run()
    actor_at.switch_page("../pages/record.py")
    actor_at.run()
    assert not actor_at.exception, [e.message for e in actor_at.exception]
    return actor_at


def test_editor_is_offered_only_their_own_force_and_opens_on_it(demo_engine: Engine) -> None:
    at = open_record_form(signed_in(fresh(), KENT_EDITOR))
    picker = at.selectbox(key="record_org")
    assert picker.options == ["Kent Police"]
    assert picker.value == "kent"


def test_monitor_is_offered_only_national_bodies(demo_engine: Engine) -> None:
    at = open_record_form(signed_in(fresh(), MONITOR))
    national = {
        f"{o.name} ({kind_label(o.kind).lower()})"
        for o in load_directory().organisations
        if o.kind in NATIONAL_KINDS
    }
    offered = at.selectbox(key="record_org").options
    assert offered and set(offered) <= national


def test_demonstration_mode_opens_as_a_viewer_with_a_switch(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DEMO", "1")
    at = fresh().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value != "Sign in"
    switch = at.sidebar.selectbox(key="demo_acting_as")
    assert switch.label.startswith("Demonstration mode")
    assert switch.value == "demo.viewer"
    assert "Viewer" in sidebar_text(at)
    switch.set_value("demo.kent").run()
    assert "Editor for Kent Police" in sidebar_text(at)


def test_without_demonstration_mode_the_same_data_asks_for_sign_in(demo_engine: Engine) -> None:
    at = fresh().run()
    assert at.title[0].value == "Sign in"
    # The sample users have no password: nobody signs in as one.
    try_sign_in(at, "demo.admin", "")
    assert at.title[0].value == "Sign in"
    try_sign_in(at, "demo.admin", "anything at all here")
    assert "not right" in " ".join(e.value for e in at.error)
