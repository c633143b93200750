"""The sidebar controls every page shares: the as-of date and the filters.

Each keeps its value in ``st.session_state`` under a stable key (``persist_state="session"``), so
the same date and filters follow the user from page to page.
"""

from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime

import streamlit as st

from tracker import moments, store
from tracker.catalogue import Owner
from tracker.services import progress
from tracker.ui import data
from tracker.ui.format import (
    UNVERIFIED_NOTE,
    kind_label,
    long_date,
    owner_label,
    theme_label,
    titled,
)

AS_OF_KEY = "as_of"
OWNERS_KEY = "filter_owners"
REGIONS_KEY = "filter_regions"
THEMES_KEY = "filter_themes"
RECOMMENDATIONS_KEY = "filter_recommendations"
ORGANISATIONS_KEY = "filter_organisations"
FILTER_KEYS = (OWNERS_KEY, REGIONS_KEY, THEMES_KEY, RECOMMENDATIONS_KEY, ORGANISATIONS_KEY)
KNOWN_ON_KEY = "known_on"
SINCE_KEY = "since"
# The address-bar names of the view's state, so a link reproduces the view exactly.
AS_OF_PARAM = "as_of"
SINCE_PARAM = "since"
KNOWN_ON_PARAM = "known_on"
FILTER_PARAMS: dict[str, str] = {
    OWNERS_KEY: "owners",
    REGIONS_KEY: "regions",
    THEMES_KEY: "themes",
    RECOMMENDATIONS_KEY: "recs",
    ORGANISATIONS_KEY: "orgs",
}


# The "today" last filled into the as-of picker, while the user has not picked a date.
_AS_OF_DEFAULT = "_as_of_default"


def today() -> date:
    """Today's date, as `tracker overdue` takes it when given no date."""
    return date.today()


def _picked_as_of() -> date | None:
    """The date the user picked, or None while the picker just shows today."""
    value = st.session_state.get(AS_OF_KEY)
    if not isinstance(value, date) or value == st.session_state.get(_AS_OF_DEFAULT):
        return None
    return value


def current_as_of() -> date:
    """The as-of date the user chose; today (on every rerun, so it moves on at midnight) until
    they choose. A date a link has just set (``?as_of=``) counts before the picker takes it."""
    raw = st.query_params.get(AS_OF_PARAM)
    if raw is not None and raw != st.session_state.get(_seen(AS_OF_KEY)):
        linked = _query_date(AS_OF_PARAM)
        if linked is not None:
            return linked
    return _picked_as_of() or today()


def _as_of_picked() -> None:
    st.session_state.pop(_AS_OF_DEFAULT, None)


def _query_date(param: str) -> date | None:
    """A YYYY-MM-DD date from the address bar, or None when absent or not a date."""
    value = st.query_params.get(param)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _seed_date_from_query(key: str, param: str, lowest: date | None = None) -> bool:
    """Let ``?as_of=2024-03-31`` choose a date picker's value when the link is opened (a later
    choice in the picker wins). True when the address set it this time."""
    raw = st.query_params.get(param)
    seen = _seen(key)
    if raw == st.session_state.get(seen):
        return False
    st.session_state[seen] = raw
    value = _query_date(param)
    if value is None or (lowest is not None and value < lowest):
        return False
    st.session_state[key] = value
    return True


def show_as_of_picker(report: store.ReportInfo, *, in_url: bool = False) -> date:
    """The one date every figure on the page answers for; today unless the user picks another.

    Only a date the user picked is kept: otherwise the picker is set to today afresh on every
    rerun, so a screen left open overnight moves on to the new day. With ``in_url`` the date
    is read from and written to the address (``?as_of=YYYY-MM-DD``).
    """
    if in_url and _seed_date_from_query(AS_OF_KEY, AS_OF_PARAM, report.published):
        _as_of_picked()
    if _picked_as_of() is None:
        st.session_state[AS_OF_KEY] = st.session_state[_AS_OF_DEFAULT] = today()
    chosen = _as_of_date_input(report)
    if in_url:
        _reflect_date(AS_OF_KEY, AS_OF_PARAM, chosen)
    return chosen


def _reflect_date(key: str, param: str, value: date | None) -> None:
    text = value.isoformat() if value else None
    reflect_in_query(key, param, text)


def show_known_on_picker(*, in_url: bool = False) -> datetime | None:
    """The second clock: read the record as it stood at the end of a day (UK time), so a view a
    board saw can be produced again later. Empty: everything recorded so far."""
    if in_url:
        _seed_date_from_query(KNOWN_ON_KEY, KNOWN_ON_PARAM)
    st.session_state.setdefault(KNOWN_ON_KEY, None)
    chosen = st.sidebar.date_input(
        "As known on",
        key=KNOWN_ON_KEY,
        format="DD/MM/YYYY",
        persist_state="session",
        help=(
            "Leave empty to count everything recorded so far. Pick a day to count only the "
            "updates recorded (and reviews made) by the end of that day, UK time: the figures "
            "a board saw then, even if evidence was added later."
        ),
    )
    if in_url:
        _reflect_date(KNOWN_ON_KEY, KNOWN_ON_PARAM, chosen)
    return moments.end_of_uk_day(chosen) if chosen else None


def show_since_picker(*, default: date, as_of: date, lowest: date, note: str) -> date:
    """The comparison date ("changes since"); ``note`` says where the default comes from."""
    _seed_date_from_query(SINCE_KEY, SINCE_PARAM, lowest)
    if not isinstance(st.session_state.get(SINCE_KEY), date):
        st.session_state[SINCE_KEY] = default
    chosen = st.sidebar.date_input(
        "Compare with",
        key=SINCE_KEY,
        min_value=lowest,
        format="DD/MM/YYYY",
        help=f"Changes are counted from this date to the as-of date. {note}",
    )
    if chosen > as_of:
        st.sidebar.caption("The comparison date is after the as-of date; using the as-of date.")
        chosen = as_of
    _reflect_date(SINCE_KEY, SINCE_PARAM, chosen)
    return chosen


def _as_of_date_input(report: store.ReportInfo) -> date:
    return st.sidebar.date_input(
        "Figures as of",
        key=AS_OF_KEY,
        min_value=report.published,
        format="DD/MM/YYYY",
        persist_state="session",
        on_change=_as_of_picked,
        help=(
            "Every figure answers for this date: the status each organisation had reported by "
            f"then. The earliest is the report's publication, {long_date(report.published)}. "
            "Unless you pick a date, it is today."
        ),
    )


def _clear_filters() -> None:
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = []


def _seed_list_from_query(key: str, param: str, allowed: Collection[str]) -> None:
    """``?regions=wales,south_east`` chooses a multiselect's values when the link is opened."""
    raw = st.query_params.get(param)
    seen = _seen(key)
    if raw == st.session_state.get(seen):
        return
    st.session_state[seen] = raw
    if raw is None:
        return
    st.session_state[key] = [v for v in raw.split(",") if v in allowed]


def _reflect_list(key: str, param: str, values: Sequence[str]) -> None:
    reflect_in_query(key, param, ",".join(values) or None)


def show_filters(
    tracker: data.Tracker,
    *,
    owners: bool = True,
    regions: bool = True,
    themes: bool = True,
    recommendations: bool = True,
    organisations: bool = False,
    in_url: bool = False,
) -> progress.Filters:
    """Sidebar filters; empty means everything. With ``in_url`` every filter is read from and
    written to the address (``?regions=south_east&recs=R3,R4``)."""
    recs = data.recommendations(tracker)
    if in_url:
        allowed: dict[str, Collection[str]] = {
            OWNERS_KEY: [o.value for o in Owner],
            REGIONS_KEY: [r.id for r in data.regions(tracker)],
            THEMES_KEY: {t for r in recs for t in r.themes},
            RECOMMENDATIONS_KEY: [r.code for r in recs],
            ORGANISATIONS_KEY: [o.id for o in data.organisations(tracker)],
        }
        for key, param in FILTER_PARAMS.items():
            _seed_list_from_query(key, param, allowed[key])
    chosen: dict[str, list[str]] = {}
    sidebar = st.sidebar
    sidebar.markdown("**Filter**")
    if owners:
        chosen[OWNERS_KEY] = sidebar.multiselect(
            "Owner group",
            options=[o.value for o in Owner],
            format_func=owner_label,
            key=OWNERS_KEY,
            persist_state="session",
            placeholder="All owner groups",
        )
    if regions:
        region_names = {r.id: r.name for r in data.regions(tracker)}
        chosen[REGIONS_KEY] = sidebar.multiselect(
            "Region",
            options=list(region_names),
            format_func=lambda r: region_names.get(r, r),
            key=REGIONS_KEY,
            persist_state="session",
            placeholder="All regions",
        )
    if organisations:
        orgs = {o.id: o.name for o in data.organisations(tracker)}
        chosen[ORGANISATIONS_KEY] = sidebar.multiselect(
            "Force or organisation",
            options=list(orgs),
            format_func=lambda o: orgs.get(o, o),
            key=ORGANISATIONS_KEY,
            persist_state="session",
            placeholder="All organisations",
        )
    if themes:
        all_themes = sorted({t for r in recs for t in r.themes})
        chosen[THEMES_KEY] = sidebar.multiselect(
            "Theme",
            options=all_themes,
            format_func=theme_label,
            key=THEMES_KEY,
            persist_state="session",
            placeholder="All themes",
        )
    if recommendations:
        labels = {r.code: f"{r.code} {titled(r.title, r.verified)}" for r in recs}
        chosen[RECOMMENDATIONS_KEY] = sidebar.multiselect(
            "Recommendation",
            options=list(labels),
            format_func=lambda c: labels.get(c, c),
            key=RECOMMENDATIONS_KEY,
            persist_state="session",
            placeholder="All recommendations",
        )
    if any(chosen.values()):
        sidebar.button("Clear filters", on_click=_clear_filters, key="clear_filters")
    if in_url:
        for key, param in FILTER_PARAMS.items():
            if key in chosen:
                _reflect_list(key, param, chosen[key])
    return progress.Filters(
        owners=frozenset(chosen.get(OWNERS_KEY, ())),
        region_ids=frozenset(chosen.get(REGIONS_KEY, ())),
        themes=frozenset(chosen.get(THEMES_KEY, ())),
        recommendations=frozenset(chosen.get(RECOMMENDATIONS_KEY, ())),
        organisation_ids=frozenset(chosen.get(ORGANISATIONS_KEY, ())),
    )


def seed_from_query(key: str, param: str, allowed: Collection[str]) -> None:
    """Let a link such as ``?org=kent`` choose a widget's value; a later choice in the widget wins.

    Call before the widget is drawn, and ``reflect_in_query`` after it.
    """
    value = st.query_params.get(param)
    if value is not None and value in allowed and value != st.session_state.get(_seen(key)):
        st.session_state[key] = value
    st.session_state[_seen(key)] = value


def reflect_in_query(key: str, param: str, value: str | None) -> None:
    """Keep the address bar in step with the widget, so the view can be shared as a link."""
    if value:
        st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]
    st.session_state[_seen(key)] = value or None


def _seen(key: str) -> str:
    return f"_query_seen_{key}"


def _organisation_label(option: data.OrganisationOption) -> str:
    if option.kind == "force":
        return option.name
    return f"{option.name} ({kind_label(option.kind).lower()})"


def show_organisation_picker(
    tracker: data.Tracker,
    *,
    key: str,
    label: str = "Force or organisation",
    offered: Callable[[data.OrganisationOption], bool] | None = None,
    preferred: Collection[str] = (),
) -> data.OrganisationOption:
    """Forces first (alphabetically), then local policing bodies and national bodies.

    ``offered`` narrows the choice (for example to the organisations a user may record for);
    ``preferred`` names the organisations to open on (a user's own) before anything is picked.
    Honours ``?org=<id>`` in the address and keeps it in step with the choice.
    """
    options = {o.id: o for o in data.organisations(tracker) if offered is None or offered(o)}
    if not options:
        st.info("There is no organisation here for you to choose.")
        st.stop()
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)
        first_own = next((o for o in options if o in preferred), None)
        if first_own is not None:
            st.session_state[key] = first_own
    seed_from_query(key, "org", options)
    chosen = st.selectbox(
        label,
        options=list(options),
        format_func=lambda o: _organisation_label(options[o]) if o in options else o,
        key=key,
        persist_state="session",
    )
    reflect_in_query(key, "org", chosen)
    return options[chosen]


def show_recommendation_picker(
    recommendations: Sequence[store.RecommendationInfo],
    *,
    key: str,
    label: str = "Recommendation",
    allow_all: str | None = None,
    help_text: str | None = None,
    note_unverified: bool = True,
) -> str | None:
    """A recommendation by code (R1, R2, …); honours ``?rec=R6``. ``allow_all`` labels an
    "everything" choice, answered as None."""
    titles = {r.code: f"{r.code} {titled(r.title, r.verified)}" for r in recommendations}
    options: list[str] = ([""] if allow_all else []) + list(titles)
    seed_from_query(key, "rec", options)
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)
    if not options:
        return None
    chosen = st.selectbox(
        label,
        options=options,
        format_func=lambda c: titles.get(c, allow_all or c),
        key=key,
        persist_state="session",
        help=help_text,
    )
    reflect_in_query(key, "rec", chosen)
    if note_unverified and any(r.code == chosen and not r.verified for r in recommendations):
        st.caption(UNVERIFIED_NOTE)
    return chosen or None


def show_region_picker(tracker: data.Tracker, *, key: str, label: str = "Region") -> str:
    """A region by id; honours ``?region=wales``."""
    names = {r.id: r.name for r in data.regions(tracker)}
    seed_from_query(key, "region", names)
    chosen = st.selectbox(
        label,
        options=list(names),
        format_func=lambda r: names.get(r, r),
        key=key,
        persist_state="session",
    )
    reflect_in_query(key, "region", chosen)
    return str(chosen)


def show_view_choice(
    *, key: str, options: dict[str, str], query_views: dict[str, str] | None = None
) -> str:
    """A short horizontal choice between views of the same page.

    ``query_views`` maps a query parameter to the view a link carrying it should open (for
    example ``{"org": "organisation"}``), so a link always lands on the right view.
    """
    for param, view in (query_views or {}).items():
        value = st.query_params.get(param)
        seen = _seen(f"{key}:{param}")
        if value is not None and value != st.session_state.get(seen):
            st.session_state[key] = view
        st.session_state[seen] = value
    chosen = st.radio(
        "Show",
        options=list(options),
        format_func=lambda o: options.get(o, o),
        key=key,
        horizontal=True,
        persist_state="session",
        label_visibility="collapsed",
    )
    return str(chosen)


def forget_query(key: str, param: str) -> None:
    """Drop a parameter that belongs to a widget not shown in this view."""
    reflect_in_query(key, param, None)


def show_flag_filters(rows: Sequence[progress.StatusRow], *, key: str) -> list[progress.StatusRow]:
    """Sidebar ticks to narrow a list to the stale or never-reported assignments."""
    stale = st.sidebar.checkbox(
        "Only stale", key=f"{key}_only_stale", help="No update for longer than the stale period"
    )
    never = st.sidebar.checkbox(
        "Only never reported", key=f"{key}_only_never_reported", help="No update recorded yet"
    )
    return [r for r in rows if (r.stale or not stale) and (r.never_reported or not never)]
