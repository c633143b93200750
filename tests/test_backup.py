"""Backups restore exactly, into an empty database of either kind, or not at all."""

import hashlib
import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from postgres import drop_database, new_database
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from typer.testing import CliRunner, Result
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER, count_rows, record

from tracker import store_backup
from tracker.cli import app
from tracker.db import engine_for, upgrade_schema
from tracker.evidence import FileUpload
from tracker.services import (
    audit,
    backup,
    export,
    redaction,
    responses,
    reviews,
    rounds,
    users,
)
from tracker.services.access import AccessDeniedError

AS_OF = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second, empty database (no schema) to restore into."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.db'}"
        yield url
        engine_for(url).dispose()
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    url = new_database(admin_url, prefix="r")
    try:
        yield url
    finally:
        engine_for(url).dispose()
        drop_database(admin_url, url)


def _everything(engine: Engine) -> None:
    """Add to the demonstration data what it lacks: evidence files (one redacted), a review, a
    user with a password, a sign-in session and a refused attempt."""
    users.create_user(engine=engine, actor=TEST_ADMIN, username="test.admin", role="admin")
    users.create_user(
        engine=engine, actor=TEST_ADMIN, username="monitor", role="monitor", password=PASSWORD
    )
    claim = record(
        engine,
        actor=KENT_EDITOR,
        status="implemented",
        evidence_date=date.today(),  # the latest, whatever the demonstration data holds
        narrative="Policy adopted; audit found it working.",
        attachments=(
            FileUpload("policy.pdf", b"%PDF-1.4 the policy"),
            FileUpload("names.txt", b"a witness named by mistake"),
        ),
    )
    reviews.accept(engine=engine, actor=MONITOR, update_id=claim.update_id, note="Seen the audit")
    with engine.connect() as conn:
        redact = conn.execute(
            sa.text("SELECT id FROM attachment WHERE filename = 'names.txt'")
        ).scalar_one()
    redaction.redact_attachment(
        engine=engine, actor=TEST_ADMIN, attachment_id=int(redact), reason="Names a witness"
    )
    users.start_session(engine=engine, actor=MONITOR)
    with pytest.raises(AccessDeniedError):
        users.list_users(engine=engine, actor=VIEWER)
    # Tables other work added: a return round opened and closed, a statutory response.
    rounds.open_round(
        engine=engine, actor=TEST_ADMIN, name="Autumn returns", due_date=date(2026, 12, 1)
    )
    rounds.close_round(engine=engine, actor=TEST_ADMIN, name="Autumn returns")
    responses.add_response(
        engine=engine,
        actor=TEST_ADMIN,
        organisation_id="lpb_kent",
        published=date(2023, 6, 1),
        url="https://lpb-kent.example.org/s55",
    )


def _export(engine: Engine) -> dict[str, object]:
    tables = export.export_tables(engine=engine, as_of=AS_OF)
    return {
        name: export.json_records(getattr(tables, name))
        for name in ("catalogue", "assignments", "updates")
    }


def test_backup_restores_exactly_into_an_empty_database_of_either_kind(
    demo_engine: Engine, empty_url: str, tmp_path: Path
) -> None:
    _everything(demo_engine)
    before = backup.table_digests(engine=demo_engine)
    out = tmp_path / "tracker-backup.zip"
    taken = backup.take_backup(engine=demo_engine, actor=TEST_ADMIN, out=out)
    assert out.stat().st_mode & 0o077 == 0, "the backup is readable by its owner only"
    assert {t.name: (t.rows, t.sha256) for t in taken.manifest.tables} == before
    assert before["attachment"][0] == 2 and before["review"][0] >= 1
    for table in (
        "return_round",
        "return_round_scope",
        "return_round_closure",
        "statutory_response",
    ):
        assert before[table][0] >= 1, table
    assert "sign_in_session" not in before  # sessions are left out: everyone signs in again

    target = engine_for(empty_url)
    restored = backup.restore_backup(engine=target, source=out, actor=TEST_ADMIN)

    after = backup.table_digests(engine=target)
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    # The audit trail is the backup's, then the restore's own event after it.
    assert after["audit_event"][0] == before["audit_event"][0] + 1
    assert _export(target) == _export(demo_engine)
    checked = audit.verify(engine=target)
    assert checked.ok and checked.events_checked == after["audit_event"][0]
    assert restored.event_id == after["audit_event"][0]
    with target.connect() as conn:
        hashes = conn.execute(
            sa.text("SELECT password_hash FROM tracker_user WHERE username = 'monitor'")
        ).scalar_one()
        last = conn.execute(
            sa.text("SELECT action, actor FROM audit_event ORDER BY id DESC LIMIT 1")
        ).one()
    assert hashes and hashes.startswith("$argon2")
    assert tuple(last) == ("backup_restored", TEST_ADMIN.username)
    assert count_rows(target, "sign_in_session") == 0

    # The restored database takes new writes with new ids (PostgreSQL sequences were reset).
    new = record(target, narrative="First update after the restore.")
    assert new.update_id == before["evidence_update"][0] + 1
    assert audit.verify(engine=target).ok


def test_cli_backs_up_and_restores_as_a_named_administrator(
    demo_engine: Engine, empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.create_user(engine=demo_engine, actor=TEST_ADMIN, username="ops.admin", role="admin")
    out = tmp_path / "nightly.zip"
    taken = run("backup", "--out", str(out), "--as", "ops.admin")
    assert taken.exit_code == 0, taken.output
    assert "evidence_update:" in taken.output and "sign_in_session" in taken.output

    monkeypatch.setenv("TRACKER_DATABASE_URL", empty_url)
    done = run("restore", str(out), "--as", "ops.admin")
    assert done.exit_code == 0, done.output
    assert "every table matches its SHA-256" in done.output
    verified = run("audit", "verify")
    assert verified.exit_code == 0 and "chain intact" in verified.output
    again = run("restore", str(out), "--as", "ops.admin")
    assert again.exit_code == 1 and "already holds data" in again.output


def test_backup_and_restore_are_for_administrators_only(
    demo_engine: Engine, empty_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "b.zip"
    with pytest.raises(AccessDeniedError, match="cannot take a backup"):
        backup.take_backup(engine=demo_engine, actor=MONITOR, out=out)
    assert not out.exists()
    backup.take_backup(engine=demo_engine, actor=TEST_ADMIN, out=out)
    target = engine_for(empty_url)
    with pytest.raises(AccessDeniedError, match="cannot restore a backup"):
        backup.restore_backup(engine=target, source=out, actor=MONITOR)
    assert _tables(target) == set()  # nothing written, not even the schema


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return store_backup.row_counts(connection=conn, tables=store_backup.all_tables())


def test_a_restore_into_a_database_that_holds_data_is_refused_and_changes_nothing(
    demo_engine: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "b.zip"
    backup.take_backup(engine=demo_engine, actor=TEST_ADMIN, out=out)
    before = backup.table_digests(engine=demo_engine)
    with pytest.raises(backup.BackupError, match=r"already holds data: .*report \(1 row\)"):
        backup.restore_backup(engine=demo_engine, source=out, actor=TEST_ADMIN)
    with pytest.raises(AccessDeniedError, match="Monitors cannot restore a backup"):
        backup.restore_backup(engine=demo_engine, source=out, actor=MONITOR)
    after = backup.table_digests(engine=demo_engine)
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    # The two attempts are on the database's own trail, as refused.
    with demo_engine.connect() as conn:
        tried = conn.execute(
            sa.text("SELECT actor, action, outcome FROM audit_event ORDER BY id DESC LIMIT 2")
        ).all()
    assert [tuple(t) for t in tried] == [
        (MONITOR.username, "restore", "refused"),
        (TEST_ADMIN.username, "restore", "refused"),
    ]
    assert audit.verify(engine=demo_engine).ok


def _rewrite(source: Path, target: Path, change: dict[str, bytes]) -> None:
    """A copy of a backup with some members replaced (the ZIP stays readable)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            new.writestr(item.filename, change.get(item.filename, old.read(item.filename)))


def _manifest(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as archive:
        loaded: dict[str, object] = json.loads(archive.read("manifest.json"))
        return loaded


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_is_written(
    demo_engine: Engine, empty_url: str, tmp_path: Path
) -> None:
    record(
        demo_engine,
        narrative="With a file.",
        attachments=(FileUpload("plan.pdf", b"%PDF-1.4 the plan"),),
    )
    good = tmp_path / "good.zip"
    backup.take_backup(engine=demo_engine, actor=TEST_ADMIN, out=good)
    target = engine_for(empty_url)
    with zipfile.ZipFile(good) as archive:
        updates = archive.read("tables/evidence_update.jsonl")
        files = archive.read("tables/attachment.jsonl")

    # One character of one narrative changed: the table's SHA-256 no longer matches.
    damaged = tmp_path / "damaged.zip"
    _rewrite(good, damaged, {"tables/evidence_update.jsonl": updates.replace(b"a", b"e", 1)})
    with pytest.raises(backup.BackupError, match="table evidence_update does not match"):
        backup.restore_backup(engine=target, source=damaged, actor=TEST_ADMIN)

    # An evidence file changed and the manifest made to agree: the file's own hash refuses it.
    row = json.loads(files)
    content_at = store_backup.column_names(SQLModel.metadata.tables["attachment"]).index("content")
    row[content_at] = "JVBERi0xLjQgYW5vdGhlciBwbGFu"  # "%PDF-1.4 another plan"
    forged_files = (json.dumps(row, separators=(",", ":")) + "\n").encode()
    manifest = _manifest(good)
    for entry in manifest["tables"]:  # type: ignore[attr-defined]
        if entry["name"] == "attachment":
            entry["sha256"] = hashlib.sha256(forged_files).hexdigest()
    forged = tmp_path / "forged.zip"
    _rewrite(
        good,
        forged,
        {
            "tables/attachment.jsonl": forged_files,
            "manifest.json": json.dumps(manifest).encode(),
        },
    )
    with pytest.raises(backup.BackupError, match=r"plan\.pdf.*does not match its stored SHA-256"):
        backup.restore_backup(engine=target, source=forged, actor=TEST_ADMIN)

    # Taken at another schema revision.
    manifest = _manifest(good)
    manifest["schema_revision"] = "0002"
    older = tmp_path / "older.zip"
    _rewrite(good, older, {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(backup.BackupError, match="taken at schema revision 0002; this tracker"):
        backup.restore_backup(engine=target, source=older, actor=TEST_ADMIN)

    # Not a backup at all.
    stray = tmp_path / "notes.zip"
    stray.write_bytes(b"not a zip")
    with pytest.raises(backup.BackupError, match="is not a tracker backup"):
        backup.restore_backup(engine=target, source=stray, actor=TEST_ADMIN)

    assert _tables(target) == set()
    # And the good one still restores into the same database.
    backup.restore_backup(engine=target, source=good, actor=TEST_ADMIN)
    assert audit.verify(engine=target).ok


def test_a_restore_that_fails_half_way_keeps_nothing(
    demo_engine: Engine, empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "b.zip"
    backup.take_backup(engine=demo_engine, actor=TEST_ADMIN, out=out)
    target = engine_for(empty_url)
    real_insert = store_backup.insert_rows

    def failing(**kwargs: object) -> None:
        if kwargs["table"].name == "review":  # type: ignore[attr-defined]
            raise RuntimeError("disk full")
        real_insert(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_backup, "insert_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        backup.restore_backup(engine=target, source=out, actor=TEST_ADMIN)
    assert set(_counts(target).values()) == {0}, "earlier tables were rolled back too"


def test_a_backup_taken_while_others_write_is_one_consistent_moment(
    demo_engine: Engine, empty_url: str, tmp_path: Path
) -> None:
    """Updates recorded by another connection while the backup runs are either wholly in it
    (update and its audit event) or wholly not: here, not, since the backup began first."""
    written: list[int] = []

    def write_between_tables(name: str, rows: int) -> None:
        # Another thread, another connection: like the dashboard carrying on.
        worker = threading.Thread(
            target=lambda: written.append(
                record(demo_engine, narrative=f"Recorded while {name} was copied.").update_id
            )
        )
        worker.start()
        worker.join()

    start = backup.table_digests(engine=demo_engine)
    out = tmp_path / "online.zip"
    taken = backup.take_backup(
        engine=demo_engine, actor=TEST_ADMIN, out=out, on_table=write_between_tables
    )
    assert len(written) == len(taken.manifest.tables)  # writes really happened meanwhile
    rows = {t.name: t.rows for t in taken.manifest.tables}
    assert rows == {name: count for name, (count, _) in start.items()}
    assert count_rows(demo_engine, "evidence_update") == rows["evidence_update"] + len(written)

    target = engine_for(empty_url)
    backup.restore_backup(engine=target, source=out, actor=TEST_ADMIN)
    assert audit.verify(engine=target).ok
    with target.connect() as conn:
        ids = set(conn.execute(sa.text("SELECT id FROM evidence_update")).scalars())
        logged = conn.execute(
            sa.text("SELECT object_id FROM audit_event WHERE action = 'update_recorded'")
        ).scalars()
    assert not ids & set(written)
    assert {int(i) for i in logged} <= ids


def test_a_database_without_the_schema_has_nothing_to_back_up(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    with pytest.raises(backup.BackupError, match="no tracker schema yet"):
        backup.take_backup(engine=engine, actor=TEST_ADMIN, out=folder / "nothing.zip")
    assert list(folder.iterdir()) == [], "no file, not even a partial one"


def test_every_table_the_migrations_create_is_in_a_backup(tmp_path: Path) -> None:
    """A table made by a migration but missing from the models (or defined in a module the
    backup does not import) would silently be left out: the two lists must agree."""
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    engine = engine_for(url)
    upgrade_schema(engine)
    created = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    # A fresh interpreter: only what the backup itself imports registers tables.
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tracker import store_backup; "
            "print(' '.join(t.name for t in store_backup.backed_up_tables()))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's tracker package
    ).stdout.split()
    assert set(listed) | store_backup.LEFT_OUT == created
    assert set(store_backup.LEFT_OUT) == {"sign_in_session"}
