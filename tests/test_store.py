"""Storage and the services over it, on SQLite and on PostgreSQL."""

import hashlib
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import exc, select, text
from sqlalchemy.engine import Engine
from sqlmodel import col
from utils.factories import count_rows, count_updates, record, record_accepted

from tracker.catalogue import DEFAULT_CATALOGUE_FILE, CatalogueError
from tracker.evidence import ConflictError, FileUpload, UpdateRejectedError
from tracker.models import Assignment, Recommendation
from tracker.services import progress, setup
from tracker.services.progress import Filters, StatusRow
from tracker.services.updates import RecordedUpdate

# --- Loading the catalogue ------------------------------------------------------------------


def test_initialise_loads_the_catalogue_into_an_empty_database(engine: Engine) -> None:
    catalogue, summary = setup.initialise(engine=engine)
    assert len(catalogue.recommendations) == 17
    assert summary.assignments_active == 487
    assert summary.assignments_added == 487
    assert count_rows(engine, "recommendation") == 17
    assert count_rows(engine, "region") == 10
    assert count_rows(engine, "organisation") == summary.organisations


def test_initialise_twice_keeps_487_assignments_and_adds_no_duplicates(engine: Engine) -> None:
    setup.initialise(engine=engine)
    _, again = setup.initialise(engine=engine)
    assert again.assignments_added == 0
    assert again.assignments_withdrawn == 0
    assert again.assignments_active == 487
    assert count_rows(engine, "assignment") == 487
    assert count_rows(engine, "recommendation") == 17
    assert count_rows(engine, "report") == 1
    rows = progress.status_rows(engine=engine, as_of=date(2024, 1, 1))
    assert len(rows) == 487
    assert len({(r.recommendation, r.organisation_id) for r in rows}) == 487


def test_initialise_keeps_recorded_updates(loaded_engine: Engine) -> None:
    record(loaded_engine)
    setup.initialise(engine=loaded_engine)
    assert count_updates(loaded_engine) == 1


def test_initialise_with_a_broken_catalogue_changes_nothing(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    broken = tmp_path / "recommendations.yaml"
    broken.write_text(
        DEFAULT_CATALOGUE_FILE.read_text(encoding="utf-8")
        .replace("addressees: [npcc, college_of_policing]", "addressees: [npcc]")
        .replace("owner: government", "owner: parliament"),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError):
        setup.initialise(engine=loaded_engine, catalogue_file=broken)
    assert len(progress.status_rows(engine=loaded_engine, as_of=date(2024, 1, 1))) == 487


# --- Status as of a date --------------------------------------------------------------------


def kent_r4(engine: Engine, as_of: date) -> StatusRow:
    (row,) = progress.status_rows(
        engine=engine,
        as_of=as_of,
        filters=Filters(organisation_ids=frozenset({"kent"}), recommendations=frozenset({"R4"})),
    )
    return row


def test_status_rows_answer_as_of_the_date_asked(loaded_engine: Engine) -> None:
    record(loaded_engine, status="in_progress", evidence_date=date(2023, 9, 1))
    record_accepted(
        loaded_engine, status="implemented", evidence_date=date(2024, 3, 1), narrative="Done."
    )

    before = kent_r4(loaded_engine, date(2023, 8, 31))
    assert (before.status, before.last_update, before.never_reported) == ("not_started", None, True)

    during = kent_r4(loaded_engine, date(2023, 11, 1))
    assert during.status == "in_progress"
    assert during.last_update == date(2023, 9, 1)
    assert during.overdue and during.days_overdue == 1 and during.rag == "red"

    after = kent_r4(loaded_engine, date(2024, 3, 1))
    assert (after.status, after.rag, after.overdue) == ("implemented", "complete", False)


def test_status_rows_list_every_active_assignment_once(loaded_engine: Engine) -> None:
    rows = progress.status_rows(engine=loaded_engine, as_of=date(2023, 11, 1))
    assert len(rows) == 487
    assert len({r.assignment_id for r in rows}) == 487
    by_rec: dict[str, int] = {}
    for row in rows:
        by_rec[row.recommendation] = by_rec.get(row.recommendation, 0) + 1
    assert by_rec["R4"] == 43 and by_rec["R3"] == 86 and by_rec["R17"] == 2


def test_correction_with_the_same_evidence_date_wins(loaded_engine: Engine) -> None:
    day = date(2023, 10, 20)
    record(loaded_engine, status="implemented", evidence_date=day, narrative="Done, we think.")
    correction = record(
        loaded_engine, status="in_progress", evidence_date=day, narrative="Correction: not yet."
    )
    row = kent_r4(loaded_engine, date(2023, 10, 25))
    assert row.status == "in_progress"
    assert row.last_update_id == correction.update_id


def test_older_evidence_recorded_later_does_not_replace_newer_evidence(
    loaded_engine: Engine,
) -> None:
    record_accepted(loaded_engine, status="implemented", evidence_date=date(2023, 10, 20))
    record(loaded_engine, status="in_progress", evidence_date=date(2023, 6, 1), narrative="Old.")
    assert kent_r4(loaded_engine, date(2023, 11, 1)).status == "implemented"
    assert kent_r4(loaded_engine, date(2023, 7, 1)).status == "in_progress"


# --- Recording updates ----------------------------------------------------------------------


def test_update_is_stored_with_its_attachment_and_sha256(loaded_engine: Engine) -> None:
    content = b"%PDF-1.4 action plan " * 50
    recorded = record(
        loaded_engine,
        links=("https://example.org/plan",),
        attachments=(FileUpload("reports/action plan.pdf", content),),
    )
    (update,) = progress.update_history(engine=loaded_engine, organisation_ids=["kent"])
    assert update.id == recorded.update_id
    assert (update.recommendation, update.organisation) == ("R4", "Kent Police")
    assert update.status.value == "in_progress"
    assert update.evidence_date == date(2024, 1, 15)
    assert update.links == ("https://example.org/plan",)
    assert update.recorded_by == "Test user"  # the signed-in user, not a typed name
    assert update.recorded_by_user == "test.admin"
    assert update.on_behalf_of == "Head of Public Protection"
    (info,) = update.attachments
    assert info.filename == "action plan.pdf"
    assert info.content_type == "application/pdf"
    assert info.size_bytes == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    stored_info, stored = progress.attachment(engine=loaded_engine, attachment_id=info.id)
    assert stored == content
    assert hashlib.sha256(stored).hexdigest() == stored_info.sha256


def test_recording_the_identical_update_twice_is_rejected(loaded_engine: Engine) -> None:
    record(loaded_engine)
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, on_behalf_of="Someone else")
    assert "already recorded" in str(info.value)
    assert count_updates(loaded_engine) == 1


# --- The evidence record is append-only -----------------------------------------------------

FORBIDDEN = {
    "update evidence": "UPDATE evidence_update SET narrative = 'rewritten' WHERE id = :uid",
    "delete evidence": "DELETE FROM evidence_update WHERE id = :uid",
    "update attachment": "UPDATE attachment SET filename = 'other.pdf' WHERE update_id = :uid",
    "delete attachment": "DELETE FROM attachment WHERE update_id = :uid",
}


def _evidence_snapshot(engine: Engine, uid: int) -> tuple[object, ...]:
    with engine.connect() as conn:
        update = conn.execute(
            text("SELECT id, narrative, status FROM evidence_update WHERE id = :uid"), {"uid": uid}
        ).one()
        attachment = conn.execute(
            text("SELECT id, filename, sha256 FROM attachment WHERE update_id = :uid"),
            {"uid": uid},
        ).one()
    return (*update, *attachment)


@pytest.mark.parametrize("statement", list(FORBIDDEN.values()), ids=list(FORBIDDEN))
def test_database_refuses_to_change_or_delete_evidence(
    loaded_engine: Engine, statement: str
) -> None:
    recorded = record(loaded_engine, attachments=(FileUpload("plan.pdf", b"%PDF-1.4 evidence"),))
    before = _evidence_snapshot(loaded_engine, recorded.update_id)
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(text(statement), {"uid": recorded.update_id})
    assert _evidence_snapshot(loaded_engine, recorded.update_id) == before


# --- Conflicts ------------------------------------------------------------------------------


def test_update_with_a_stale_expected_last_update_is_a_conflict(loaded_engine: Engine) -> None:
    first = record(loaded_engine, expected_last_update_id=None, narrative="First.")
    record(loaded_engine, expected_last_update_id=first.update_id, narrative="Second.")
    with pytest.raises(ConflictError):
        record(loaded_engine, expected_last_update_id=first.update_id, narrative="Third.")
    assert count_updates(loaded_engine) == 2


def test_update_expecting_no_previous_update_conflicts_once_there_is_one(
    loaded_engine: Engine,
) -> None:
    record(loaded_engine, narrative="Someone else got there first.")
    with pytest.raises(ConflictError):
        record(loaded_engine, expected_last_update_id=None, narrative="Mine.")
    assert count_updates(loaded_engine) == 1


def test_conflict_check_is_per_assignment(loaded_engine: Engine) -> None:
    record(loaded_engine, organisation_id="surrey")
    record(loaded_engine, organisation_id="kent", expected_last_update_id=None)
    assert count_updates(loaded_engine) == 2


def race(
    action: Callable[[str], RecordedUpdate], arguments: list[str]
) -> list[RecordedUpdate | Exception]:
    """Run ``action`` once per argument, each in its own thread, all released together."""
    barrier = threading.Barrier(len(arguments))
    outcomes: list[RecordedUpdate | Exception] = []
    lock = threading.Lock()

    def run(argument: str) -> None:
        barrier.wait()
        try:
            result: RecordedUpdate | Exception = action(argument)
        except Exception as error:
            result = error
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_people_recording_at_once_store_one_update_and_get_one_conflict(
    loaded_engine: Engine,
) -> None:
    # Several rounds on different assignments, so the writers genuinely overlap.
    for org in ("kent", "surrey", "sussex"):
        outcomes = race(
            lambda narrative, org=org: record(  # type: ignore[misc]
                loaded_engine,
                organisation_id=org,
                expected_last_update_id=None,
                narrative=narrative,
            ),
            ["Return from A.", "Return from B."],
        )
        stored = [o for o in outcomes if isinstance(o, RecordedUpdate)]
        conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
        assert (len(stored), len(conflicts)) == (1, 1), outcomes
        history = progress.update_history(engine=loaded_engine, organisation_ids=[org])
        assert [u.id for u in history] == [stored[0].update_id]


# --- Reloading a corrected catalogue --------------------------------------------------------


def _catalogue_without_college_on_r2(tmp_path: Path) -> Path:
    text_ = DEFAULT_CATALOGUE_FILE.read_text(encoding="utf-8")
    old = "addressees: [npcc, college_of_policing]"
    assert text_.count(old) == 1
    path = tmp_path / "recommendations.yaml"
    path.write_text(text_.replace(old, "addressees: [npcc]"), encoding="utf-8")
    return path


def _r2_college_active(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                select(col(Assignment.active))
                .join(Recommendation, col(Assignment.recommendation_id) == col(Recommendation.id))
                .where(
                    col(Recommendation.code) == "R2",
                    col(Assignment.organisation_id) == "college_of_policing",
                )
            ).scalar_one()
        )


def test_reload_that_drops_an_addressee_withdraws_the_assignment_but_keeps_its_updates(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    record(loaded_engine, recommendation="R2", organisation_id="college_of_policing")
    _, summary = setup.initialise(
        engine=loaded_engine, catalogue_file=_catalogue_without_college_on_r2(tmp_path)
    )
    assert summary.assignments_withdrawn == 1
    assert summary.assignments_active == 486
    assert not _r2_college_active(loaded_engine)
    assert count_rows(loaded_engine, "assignment") == 487
    rows = progress.status_rows(engine=loaded_engine, as_of=date(2024, 6, 1))
    assert len(rows) == 486
    assert ("R2", "college_of_policing") not in {
        (r.recommendation, r.organisation_id) for r in rows
    }
    history = progress.update_history(
        engine=loaded_engine, organisation_ids=["college_of_policing"]
    )
    assert [u.recommendation for u in history] == ["R2"]
    with pytest.raises(UpdateRejectedError):
        record(
            loaded_engine,
            recommendation="R2",
            organisation_id="college_of_policing",
            narrative="After withdrawal.",
        )


def test_reload_that_restores_an_addressee_brings_back_its_history(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    recorded = record(loaded_engine, recommendation="R2", organisation_id="college_of_policing")
    setup.initialise(
        engine=loaded_engine, catalogue_file=_catalogue_without_college_on_r2(tmp_path)
    )
    _, summary = setup.initialise(engine=loaded_engine, catalogue_file=DEFAULT_CATALOGUE_FILE)
    assert summary.assignments_added == 0 and summary.assignments_active == 487
    assert _r2_college_active(loaded_engine)
    (row,) = progress.status_rows(
        engine=loaded_engine,
        as_of=date(2024, 6, 1),
        filters=Filters(
            organisation_ids=frozenset({"college_of_policing"}),
            recommendations=frozenset({"R2"}),
        ),
    )
    assert row.last_update_id == recorded.update_id
    assert row.status == "in_progress"


def test_reloading_corrected_wording_changes_the_data_version_and_the_stored_text(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    # The dashboard keys its caches on the data version: a wording fix must show without restart.
    before = progress.data_version(engine=loaded_engine)
    corrected = tmp_path / "recommendations.yaml"
    corrected.write_text(
        DEFAULT_CATALOGUE_FILE.read_text(encoding="utf-8").replace(
            'title: "Regional collaboration and oversight"',
            'title: "Regional collaboration and oversight structures"',
        ),
        encoding="utf-8",
    )
    assert corrected.read_text(encoding="utf-8") != DEFAULT_CATALOGUE_FILE.read_text(
        encoding="utf-8"
    )
    setup.initialise(engine=loaded_engine, catalogue_file=corrected)
    after = progress.data_version(engine=loaded_engine)
    assert after != before
    assert (after.last_update_id, after.active_assignments) == (
        before.last_update_id,
        before.active_assignments,
    )
    titles = {r.code: r.title for r in progress.recommendations(engine=loaded_engine)}
    assert titles["R1"] == "Regional collaboration and oversight structures"


def test_recommendation_removed_from_the_catalogue_leaves_the_figures_but_keeps_its_history(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    import yaml

    record(loaded_engine, recommendation="R16", organisation_id="npcc")
    data = yaml.safe_load(DEFAULT_CATALOGUE_FILE.read_text(encoding="utf-8"))
    data["recommendations"] = [r for r in data["recommendations"] if r["id"] != "R16"]
    shorter = tmp_path / "recommendations.yaml"
    shorter.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    _, summary = setup.initialise(engine=loaded_engine, catalogue_file=shorter)

    assert summary.assignments_withdrawn == 2  # R16 was addressed to the NPCC and the NCA
    rows = progress.status_rows(engine=loaded_engine, as_of=date(2024, 6, 1))
    assert "R16" not in {r.recommendation for r in rows}
    assert len(rows) == 485
    assert "R16" not in {r.code for r in progress.recommendations(engine=loaded_engine)}
    history = progress.update_history(engine=loaded_engine, organisation_ids=["npcc"])
    assert [u.recommendation for u in history] == ["R16"]
    assert count_rows(loaded_engine, "assignment") == 487
