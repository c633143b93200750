"""The second clock: the moment the record is read "as known on".

Evidence speaks for a date; it is recorded at a moment. "As known on T" reads the record as it
stood at T, so a board pack seen on a date can be produced again, exactly, later. People type T
in UK time: a bare date means the end of that day.
"""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

UK_TIME = ZoneInfo("Europe/London")
KNOWN_ON_HINT = (
    "use YYYY-MM-DD (the end of that day, UK time) or YYYY-MM-DDTHH:MM (UK time), "
    "for example 2024-03-01 or 2024-03-01T17:00"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")


def end_of_uk_day(day: date) -> datetime:
    """The last moment of a day in the UK (so everything recorded that day counts)."""
    return datetime.combine(day, time.max, tzinfo=UK_TIME)


def parse_known_on(value: str) -> datetime:
    """``2024-03-01`` (end of that day, UK time) or ``2024-03-01T17:00`` / ``2024-03-01 17:00``
    (UK time), as an aware moment. Raises ValueError saying what is accepted."""
    text = value.strip()
    try:
        if _DATE.fullmatch(text):
            return end_of_uk_day(date.fromisoformat(text))
        if _MOMENT.fullmatch(text):
            return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=UK_TIME)
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a date or a date and time; {KNOWN_ON_HINT}")


def describe_known_on(moment: datetime) -> str:
    """ "1 March 2024 at 17:00" (UK time); "end of 1 March 2024" for the last moment of a day."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(UK_TIME)
    day = f"{local.day} {local:%B %Y}"
    if local.time() == time.max:
        return f"end of {day}"
    return f"{day} at {local:%H:%M}"
