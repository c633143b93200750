from sqlalchemy.engine import Engine

from tracker.services import progress


def test_demo_database_lists_every_assignment(demo_engine: Engine) -> None:
    from datetime import date

    rows = progress.status_rows(engine=demo_engine, as_of=date(2026, 11, 23))
    assert len(rows) == 487
