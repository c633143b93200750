"""Random histories for the property-based tests of the read side (hypothesis).

Updates in any order, back-dated evidence, corrections on the same evidence date, recording
times that tie, claims accepted or returned, revised target dates: written straight to the store
with the moments chosen (the services always record "now").
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tracker import store
from tracker.db import write_session
from tracker.rules import Decision, Status
from utils.history import assignment_id, review

PUBLISHED = date(2023, 4, 5)
# A few assignments of different recommendations (different deadlines) and organisations.
TOUCHED = (("R3", "kent"), ("R2", "college_of_policing"), ("R10", "kent"), ("R4", "merseyside"))
# Few distinct recording times, so ties on evidence date and recording moment both happen.
HOURS = (9, 12, 17)

event = st.fixed_dictionaries(
    {
        "which": st.integers(0, len(TOUCHED) - 1),
        "status": st.sampled_from(list(Status)),
        "evidence": st.integers(0, 1300),
        "lag": st.sampled_from([0, 0, 1, 3, 40, 200]),
        "hour": st.sampled_from(HOURS),
        "revised": st.none() | st.integers(-60, 500),
        "review": st.none() | st.sampled_from(list(Decision)),
        "review_lag": st.integers(0, 90),
    }
)


def write_events(engine: Engine, events: list[dict[str, object]]) -> list[datetime]:
    """Append the events' updates (and reviews); returns every recording and review moment.

    The same event may come up in several examples, so each update gets a fingerprint of its
    own."""
    moments = []
    for e in events:
        rec, org = TOUCHED[int(str(e["which"]))]
        day = PUBLISHED + timedelta(days=int(str(e["evidence"])))
        recorded = datetime.combine(
            day + timedelta(days=int(str(e["lag"]))), time(int(str(e["hour"]))), tzinfo=UTC
        )
        revised = e["revised"]
        status = Status(str(e["status"]))
        new = store.NewUpdate(
            assignment_id=assignment_id(engine, rec, org),
            status=status,
            evidence_date=day,
            recorded_at=recorded,
            recorded_by="Test recorder",
            narrative="Random history entry",
            links=(),
            revised_target_date=None
            if revised is None
            else day + timedelta(days=int(str(revised))),
            revision_reason=None if revised is None else "Moved for the test",
            source="cli",
            fingerprint=uuid.uuid4().hex,
        )
        with write_session(engine) as session:
            (uid,) = store.append_updates(session=session, updates=[new])
        moments.append(recorded)
        decision = e["review"]
        if decision is not None and status.is_closed:
            at = recorded + timedelta(days=int(str(e["review_lag"])), minutes=30)
            review(engine, uid, at, Decision(str(decision)), "" if decision == "accepted" else "No")
            moments.append(at)
    return moments
