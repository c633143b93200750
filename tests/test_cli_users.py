"""`tracker users …` and the administrator check of `tracker serve`, in-process on SQLite and
PostgreSQL: plain messages for every refusal, no default account, every write on the trail."""

import contextlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from tracker.cli import app
from tracker.roles import local_operator
from tracker.services import users
from tracker.services.audit import verify

PASSWORD = "a long enough password"


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def ok(*args: str, stdin: str | None = None) -> str:
    result = run(*args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def refused(*args: str, stdin: str | None = None) -> str:
    result = run(*args, stdin=stdin)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    return " ".join(result.output.split())


def add_admin() -> None:
    ok("users", "add", "ops.admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")


def test_a_fresh_database_has_no_user_and_no_default_password(loaded_engine: Engine) -> None:
    assert "No users yet" in ok("users", "list")
    assert not users.has_active_administrator(engine=loaded_engine)
    with pytest.raises(users.SignInError):
        users.authenticate(engine=loaded_engine, username="admin", password="admin")


def test_serve_refuses_to_start_without_an_administrator_and_says_how(
    loaded_engine: Engine,
) -> None:
    message = refused("serve", "--port", "1")
    assert "no active administrator" in message
    assert "tracker users add USERNAME --role admin --password-stdin" in message


def test_first_administrator_is_created_with_a_password_from_stdin(loaded_engine: Engine) -> None:
    add_admin()
    actor = users.authenticate(engine=loaded_engine, username="ops.admin", password=PASSWORD)
    assert actor.role.value == "admin"
    assert users.has_active_administrator(engine=loaded_engine)
    listing = ok("users", "list")
    assert "ops.admin\tadmin\t-\t-\tactive" in listing


def test_an_editor_is_tied_to_the_organisations_named(loaded_engine: Engine) -> None:
    add_admin()
    ok(
        "users", "add", "kent.editor", "--role", "editor", "--org", "Kent",
        "--email", "Editor@Kent.example", "--name", "Kent editor", "--as", "ops.admin",
    )  # fmt: skip
    found = users.find_user(engine=loaded_engine, username="kent.editor")
    assert found is not None
    assert found.organisation_ids == ("kent",) and found.email == "editor@kent.example"
    assert not found.has_password  # single sign-on only
    ok("users", "set-orgs", "kent.editor", "--org", "Kent", "--org", "Essex")
    found = users.find_user(engine=loaded_engine, username="kent.editor")
    assert found is not None and found.organisation_ids == ("essex", "kent")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("users", "add", "x.editor", "--role", "editor"), "an editor needs at least one"),
        (("users", "add", "x.user", "--role", "chief"), "'chief' is not a role"),
        (("users", "add", "x.user", "--role", "viewer", "--org", "Atlantis"), "Atlantis"),
        (("users", "add", "x.user", "--role", "viewer", "--email", "nope"), "not an email"),
        (("users", "disable", "nobody"), "there is no user 'nobody'"),
        (("users", "reset-password", "ops.admin"), "--password-stdin"),
        (("users", "list", "--as", "nobody"), "no active tracker user 'nobody'"),
    ],
)
def test_impossible_user_commands_get_a_plain_message(
    loaded_engine: Engine, args: tuple[str, ...], says: str
) -> None:
    add_admin()
    assert says in refused(*args)


def test_a_short_password_is_refused(loaded_engine: Engine) -> None:
    message = refused("users", "add", "a.admin", "--role", "admin", "--password-stdin", stdin="x")
    assert "at least 12 characters" in message
    assert users.find_user(engine=loaded_engine, username="a.admin") is None


def test_only_an_administrator_manages_users_and_a_refusal_is_audited(
    loaded_engine: Engine,
) -> None:
    add_admin()
    ok("users", "add", "board.member", "--role", "viewer", "--as", "ops.admin")
    message = refused("users", "add", "sneaky", "--role", "admin", "--as", "board.member")
    assert "Viewers cannot manage users" in message
    assert users.find_user(engine=loaded_engine, username="sneaky") is None
    assert "Viewers cannot manage users" in refused("users", "list", "--as", "board.member")
    assert verify(engine=loaded_engine).broken is None


def test_disable_stops_sign_in_and_enable_restores_it(loaded_engine: Engine) -> None:
    add_admin()
    ok("users", "add", "jane", "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    signed = users.start_session(
        engine=loaded_engine,
        actor=users.authenticate(engine=loaded_engine, username="jane", password=PASSWORD),
    )
    ok("users", "disable", "jane")
    assert "disabled" in ok("users", "list")
    assert users.resume_session(engine=loaded_engine, token=signed.token) is None
    with pytest.raises(users.SignInError):
        users.authenticate(engine=loaded_engine, username="jane", password=PASSWORD)
    ok("users", "enable", "jane")
    users.authenticate(engine=loaded_engine, username="jane", password=PASSWORD)


def test_the_last_administrator_cannot_be_disabled_or_demoted(loaded_engine: Engine) -> None:
    add_admin()
    assert "no active administrator" in refused("users", "disable", "ops.admin")
    assert "no active administrator" in refused(
        "users", "set-role", "ops.admin", "--role", "viewer"
    )
    assert users.has_active_administrator(engine=loaded_engine)


def test_set_role_and_reset_password(loaded_engine: Engine) -> None:
    add_admin()
    ok("users", "add", "jane", "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    ok("users", "set-role", "jane", "--role", "editor", "--org", "Kent Police")
    found = users.find_user(engine=loaded_engine, username="jane")
    assert found is not None and found.role == "editor" and found.organisation_ids == ("kent",)
    new = "another long password"
    ok("users", "reset-password", "jane", "--password-stdin", stdin=new + "\n")
    with pytest.raises(users.SignInError):
        users.authenticate(engine=loaded_engine, username="jane", password=PASSWORD)
    assert users.authenticate(engine=loaded_engine, username="jane", password=new).role.value == (
        "editor"
    )


def test_a_typed_username_that_is_no_username_is_never_stored(loaded_engine: Engine) -> None:
    for typed in ('=HYPERLINK("http://x/?"&A2)', "x" * 5_000):
        with pytest.raises(users.SignInError, match="username or password is not right"):
            users.authenticate(engine=loaded_engine, username=typed, password="whatever")
    with loaded_engine.connect() as conn:
        stored = conn.execute(text("SELECT actor, object_id FROM audit_event")).all()
    assert stored == [("(invalid username)", "(invalid username)")] * 2
    assert verify(engine=loaded_engine).ok


def test_parallel_wrong_passwords_are_each_counted(loaded_engine: Engine) -> None:
    add_admin()
    ok("users", "add", "jane", "--role", "viewer", "--password-stdin", stdin=PASSWORD)

    def guess(_: int) -> None:
        with contextlib.suppress(users.SignInError):
            users.authenticate(engine=loaded_engine, username="jane", password="wrong guess")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(guess, range(4)))
    (jane,) = [
        u
        for u in users.list_users(engine=loaded_engine, actor=local_operator())
        if u.username == "jane"
    ]
    assert jane.failed_sign_ins == 4


def test_a_display_name_follows_the_text_rules(loaded_engine: Engine) -> None:
    add_admin()
    message = refused("users", "add", "jane", "--role", "viewer", "--name", "Jane\x07 Smith")
    assert "display name: contains a control character" in message
