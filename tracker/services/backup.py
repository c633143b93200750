"""Backups that restore: every table copied out to one file, and back into an empty database.

A backup is a ZIP file holding ``manifest.json`` and one ``tables/NAME.jsonl`` per table: one
canonical JSON line per row, in primary-key order. The manifest names the format version, the
schema (Alembic) revision, and each table's columns, row count and SHA-256. The same rows give
the same file whichever database they came from, so a SQLite backup restores into PostgreSQL
and back.

A restore checks the whole file before it touches the database (format, revision, every table's
hash and count, every evidence file's SHA-256), then inserts everything in one transaction,
reads each table back and compares its hash with the manifest, and appends its own event to the
restored audit trail. Anything wrong and nothing is kept.
"""

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracker import store_backup
from tracker.db import alembic_config, read_session, upgrade_schema, write_session
from tracker.models import Attachment
from tracker.roles import Action, Actor, Role, refusal
from tracker.services import audit as audit_trail
from tracker.services.access import AccessDeniedError, authorise, record_refusal

FORMAT = "oscae-tracker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_BATCH = 1_000

TableDone = Callable[[str, int], None]


class BackupError(ValueError):
    """The backup cannot be taken or restored; the message says what and where."""


@dataclass(frozen=True)
class TableEntry:
    name: str
    columns: tuple[str, ...]
    rows: int
    sha256: str

    @property
    def member(self) -> str:
        return f"tables/{self.name}.jsonl"


@dataclass(frozen=True)
class Manifest:
    format_version: int
    schema_revision: str
    taken_at: str
    source_database: str
    tables: tuple[TableEntry, ...]
    left_out: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "schema_revision": self.schema_revision,
            "taken_at": self.taken_at,
            "source_database": self.source_database,
            "left_out": list(self.left_out),
            "tables": [
                {"name": t.name, "columns": list(t.columns), "rows": t.rows, "sha256": t.sha256}
                for t in self.tables
            ],
        }


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    manifest: Manifest
    file_sha256: str


@dataclass(frozen=True)
class RestoreSummary:
    manifest: Manifest
    event_id: int


def code_revision(engine: Engine) -> str:
    """The schema revision this version of the tracker creates (the migrations' head)."""
    from alembic.script import ScriptDirectory  # slow to load: only here

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


# --- Taking a backup ---------------------------------------------------------------------------


def take_backup(
    *, engine: Engine, actor: Actor, out: Path, on_table: TableDone | None = None
) -> BackupSummary:
    """Write every table to ``out`` as one consistent snapshot, while others keep writing.

    The file is readable only by its owner (it holds password hashes and the whole record) and
    appears under its name only once complete. The backup itself goes on the audit trail.
    """
    authorise(engine=engine, actor=actor, action=Action.BACKUP, object_type="backup")
    out = out.expanduser()
    if out.is_dir():
        raise BackupError(f"{out} is a folder: name the backup file to write, e.g. {out}/x.zip")
    if not out.parent.is_dir():
        raise BackupError(f"The folder {out.parent} does not exist.")
    handle, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".part", dir=out.parent)
    os.close(handle)  # mkstemp creates it readable by its owner only
    try:
        manifest = _write_snapshot(engine, Path(temporary), on_table)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    digest = _file_sha256(out)
    audit_trail.record_alone(
        engine,
        actor,
        "backup_taken",
        object_type="backup",
        object_id=digest,
        after={
            "file": out.name,
            "sha256": digest,
            "schema_revision": manifest.schema_revision,
            "rows": {t.name: t.rows for t in manifest.tables},
        },
        message=f"Backup written to {out.name}",
    )
    return BackupSummary(path=out, manifest=manifest, file_sha256=digest)


def _write_snapshot(engine: Engine, path: Path, on_table: TableDone | None) -> Manifest:
    entries: list[TableEntry] = []
    with read_session(engine) as session:
        connection = session.connection()
        store_backup.begin_snapshot(connection)
        revision = store_backup.schema_revision(connection=connection)
        if revision is None:
            raise BackupError(
                "The database has no tracker schema yet: there is nothing to back up."
            )
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in store_backup.backed_up_tables():
                entry_name = f"tables/{table.name}.jsonl"
                digest = hashlib.sha256()
                rows = 0
                with archive.open(entry_name, "w", force_zip64=True) as member:
                    for line in store_backup.table_lines(connection=connection, table=table):
                        member.write(line)
                        digest.update(line)
                        rows += 1
                entries.append(
                    TableEntry(
                        table.name,
                        tuple(store_backup.column_names(table)),
                        rows,
                        digest.hexdigest(),
                    )
                )
                if on_table is not None:
                    on_table(table.name, rows)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                schema_revision=revision,
                taken_at=datetime.now(UTC).isoformat(),
                source_database=engine.dialect.name,
                tables=tuple(entries),
                left_out=tuple(sorted(store_backup.LEFT_OUT)),
            )
            archive.writestr(MANIFEST, json.dumps(manifest.as_json(), indent=2) + "\n")
    return manifest


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Reading and checking a backup ------------------------------------------------------------


def _open(source: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except FileNotFoundError:
        raise BackupError(f"There is no file {source}.") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(
            f"{source} is not a tracker backup (not a readable ZIP file: {exc})."
        ) from None


def read_manifest(source: Path) -> Manifest:
    with _open(source) as archive:
        return _manifest(archive, source)


def _manifest(archive: zipfile.ZipFile, source: Path) -> Manifest:
    try:
        raw = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{source} is not a tracker backup: it has no {MANIFEST}.") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{source}: {MANIFEST} cannot be read ({exc}).") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BackupError(f"{source} is not a tracker backup ({MANIFEST} names another format).")
    if raw.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{source} is a backup in format version {raw.get('format_version')}; this tracker "
            f"reads version {FORMAT_VERSION}."
        )
    try:
        tables = tuple(
            TableEntry(str(t["name"]), tuple(t["columns"]), int(t["rows"]), str(t["sha256"]))
            for t in raw["tables"]
        )
        return Manifest(
            format_version=int(raw["format_version"]),
            schema_revision=str(raw["schema_revision"]),
            taken_at=str(raw["taken_at"]),
            source_database=str(raw["source_database"]),
            tables=tables,
            left_out=tuple(raw.get("left_out", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"{source}: {MANIFEST} is missing {exc}.") from None


def _rows(archive: zipfile.ZipFile, entry: TableEntry) -> Iterator[tuple[bytes, list[Any]]]:
    try:
        member: IO[bytes] = archive.open(entry.member)
    except KeyError:
        raise BackupError(f"The backup has no {entry.member}, which its manifest lists.") from None
    with member:
        for number, line in enumerate(member, start=1):
            try:
                values = json.loads(line)
            except ValueError:
                raise BackupError(f"{entry.member}, line {number}: not a row of JSON.") from None
            if not isinstance(values, list) or len(values) != len(entry.columns):
                raise BackupError(
                    f"{entry.member}, line {number}: expected {len(entry.columns)} values."
                )
            yield line, values


def _check_attachment(entry: TableEntry, number: int, values: list[Any]) -> None:
    """An evidence file's content must still have the SHA-256 stored with it (unless it was
    redacted, when the content is blank and the hash is kept as a record of what was there)."""
    row = dict(zip(entry.columns, values, strict=True))
    if row.get("redacted_at") is not None:
        return
    content = store_backup.decode(Attachment.__table__.c.content, row["content"])  # type: ignore[attr-defined]
    if hashlib.sha256(content).hexdigest() != row["sha256"]:
        raise BackupError(
            f"{entry.member}, line {number}: evidence file {row.get('filename')!r} (attachment "
            f"{row.get('id')}) does not match its stored SHA-256; the backup is damaged."
        )


def check_backup(source: Path, *, expected_revision: str) -> Manifest:
    """Read the whole backup and check it, touching no database.

    Refused: another format or schema revision, tables that do not match this tracker's, a
    table whose rows do not match the manifest's count or SHA-256, an evidence file whose content
    does not match its own SHA-256.
    """
    with _open(source) as archive:
        manifest = _manifest(archive, source)
        if manifest.schema_revision != expected_revision:
            raise BackupError(
                f"{source} was taken at schema revision {manifest.schema_revision}; this tracker "
                f"is at revision {expected_revision}. Restore it with the tracker version that "
                "took it, then upgrade with `tracker init`."
            )
        expected = {
            t.name: tuple(store_backup.column_names(t)) for t in store_backup.backed_up_tables()
        }
        found = {t.name: t.columns for t in manifest.tables}
        if set(found) != set(expected):
            missing = sorted(set(expected) - set(found))
            extra = sorted(set(found) - set(expected))
            raise BackupError(
                f"{source} does not hold this tracker's tables (missing: "
                f"{', '.join(missing) or '-'}; unknown: {', '.join(extra) or '-'})."
            )
        for entry in manifest.tables:
            if entry.columns != expected[entry.name]:
                raise BackupError(f"{source}: the columns of {entry.name} are not this tracker's.")
            digest = hashlib.sha256()
            rows = 0
            for line, values in _rows(archive, entry):
                digest.update(line)
                rows += 1
                if entry.name == Attachment.__tablename__:
                    _check_attachment(entry, rows, values)
            if rows != entry.rows or digest.hexdigest() != entry.sha256:
                same = "matches" if digest.hexdigest() == entry.sha256 else "differs"
                raise BackupError(
                    f"{source}: table {entry.name} does not match its manifest ({rows} rows read, "
                    f"{entry.rows} listed; SHA-256 {same}). The backup is damaged: nothing was "
                    "restored."
                )
    return manifest


def actor_in_backup(*, source: Path, username: str) -> Actor:
    """The user a restore acts as, found in the backup (the empty database has no users)."""
    with _open(source) as archive:
        manifest = _manifest(archive, source)
        entry = next((t for t in manifest.tables if t.name == "tracker_user"), None)
        if entry is not None:
            for _, values in _rows(archive, entry):
                row = dict(zip(entry.columns, values, strict=True))
                if row["username"] == username and row["active"]:
                    return Actor(
                        username=row["username"],
                        display_name=row["display_name"],
                        role=Role(row["role"]),
                        organisation_ids=frozenset(row["organisation_ids"]),
                    )
    raise BackupError(f"There is no active user {username!r} in this backup.")


# --- Restoring ---------------------------------------------------------------------------------


def _non_empty(counts: dict[str, int]) -> str | None:
    held = [
        f"{name} ({count} row{'' if count == 1 else 's'})"
        for name, count in counts.items()
        if count
    ]
    if not held:
        return None
    shown = ", ".join(held[:4]) + (f" and {len(held) - 4} more" if len(held) > 4 else "")
    return (
        f"The database already holds data: {shown}. A backup is restored only into an empty "
        "database: create a new one and restore into that."
    )


def restore_backup(*, engine: Engine, source: Path, actor: Actor) -> RestoreSummary:
    """Restore ``source`` into an empty database of either kind: all of it, or nothing.

    The actor must be an administrator. A refused attempt on a database that holds data is kept
    on that database's audit trail; on an empty one it writes nothing (the database must stay
    empty for a restore), and the caller shows it.
    """
    with engine.connect() as connection:
        counts = store_backup.row_counts(connection=connection, tables=store_backup.all_tables())
    held = _non_empty(counts)
    message = refusal(actor, Action.RESTORE)
    if message is not None or held:
        if held and "audit_event" in counts:
            record_refusal(
                engine,
                actor,
                Action.RESTORE,
                message or held,
                object_type="backup",
                object_id=source.name,
            )
        if message is not None:
            raise AccessDeniedError(message)
        raise BackupError(held)
    manifest = check_backup(source, expected_revision=code_revision(engine))
    upgrade_schema(engine)  # an empty schema at this tracker's revision (no rows)
    tables = {t.name: t for t in store_backup.backed_up_tables()}
    with write_session(engine) as session:  # one transaction: all of it or nothing
        connection = session.connection()
        store_backup.lock_for_restore(connection)
        held = _non_empty(
            store_backup.row_counts(connection=connection, tables=store_backup.all_tables())
        )
        if held:
            raise BackupError(held)
        with _open(source) as archive:
            for entry in manifest.tables:
                batch: list[list[Any]] = []
                for _, values in _rows(archive, entry):
                    batch.append(values)
                    if len(batch) >= _BATCH:
                        store_backup.insert_rows(
                            connection=connection,
                            table=tables[entry.name],
                            columns=entry.columns,
                            rows=batch,
                        )
                        batch = []
                store_backup.insert_rows(
                    connection=connection,
                    table=tables[entry.name],
                    columns=entry.columns,
                    rows=batch,
                )
        store_backup.reset_sequences(connection=connection, tables=tables.values())
        for entry in manifest.tables:
            _check_stored(connection, tables[entry.name], entry)
        # The restore's own event follows the restored chain, so `tracker audit verify` walks
        # from the first event ever recorded to this one.
        event_id = audit_trail.record(
            session,
            actor,
            "backup_restored",
            object_type="backup",
            object_id=_file_sha256(source),
            after={
                "file": source.name,
                "taken_at": manifest.taken_at,
                "source_database": manifest.source_database,
                "schema_revision": manifest.schema_revision,
                "rows": {t.name: t.rows for t in manifest.tables},
            },
            message=f"Backup {source.name} taken {manifest.taken_at} restored",
        )
    return RestoreSummary(manifest=manifest, event_id=event_id)


def _check_stored(connection: sa.Connection, table: sa.Table, entry: TableEntry) -> None:
    """Read the table back: the database must now hold exactly the rows of the backup."""
    digest = hashlib.sha256()
    rows = 0
    for line in store_backup.table_lines(connection=connection, table=table):
        digest.update(line)
        rows += 1
    if rows != entry.rows or digest.hexdigest() != entry.sha256:
        raise BackupError(
            f"Table {table.name} did not store exactly what the backup holds ({rows} rows, "
            f"{entry.rows} expected); nothing was restored."
        )


def table_digests(*, engine: Engine) -> dict[str, tuple[int, str]]:
    """Rows and SHA-256 of every backed-up table as stored now (to compare two databases)."""
    found: dict[str, tuple[int, str]] = {}
    with read_session(engine) as session:
        connection = session.connection()
        store_backup.begin_snapshot(connection)
        for table in store_backup.backed_up_tables():
            digest = hashlib.sha256()
            rows = 0
            for line in store_backup.table_lines(connection=connection, table=table):
                digest.update(line)
                rows += 1
            found[table.name] = (rows, digest.hexdigest())
    return found
