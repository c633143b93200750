"""The dashboard's pages, in one list, and how one page sends the user to another."""

from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import streamlit as st

from tracker.roles import Action, Actor, may_ever

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


ALL_ROLES: tuple[str, ...] = ("admin", "monitor", "editor", "viewer")


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    url_path: str
    icon: str
    # What a user must be able to do (for some organisation) to have this page at all.
    needs: Action = Action.READ
    # Roles that have the page. Not access control on its own: the services the page calls
    # check the role again.
    roles: tuple[str, ...] = ALL_ROLES

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "my_actions.py",
        "My actions",
        "my-actions",
        ":material/checklist:",
        Action.RECORD,
        roles=("admin", "monitor", "editor"),
    ),
    PageSpec("overview.py", "National overview", "overview", ":material/monitoring:"),
    PageSpec("force.py", "Force", "force", ":material/local_police:"),
    PageSpec("recommendation.py", "Recommendation", "recommendation", ":material/article:"),
    PageSpec("overdue.py", "Overdue actions", "overdue", ":material/schedule:"),
    PageSpec("changes.py", "Changes since", "changes", ":material/compare_arrows:"),
    PageSpec(
        "review.py", "Review queue", "review", ":material/task_alt:", roles=("admin", "monitor")
    ),
    PageSpec("record.py", "Record an update", "record", ":material/edit_note:", Action.RECORD),
    PageSpec(
        "returns.py",
        "Upload a return",
        "returns",
        ":material/upload_file:",
        Action.RECORD,
        roles=("admin", "monitor", "editor"),
    ),
    PageSpec("about.py", "About the data", "about", ":material/info:"),
    PageSpec(
        "audit.py", "Audit trail", "audit", ":material/fact_check:", roles=("admin", "monitor")
    ),
    PageSpec("rounds.py", "Return rounds", "rounds", ":material/assignment_return:"),
    PageSpec("responses.py", "Statutory responses", "responses", ":material/gavel:"),
)
DEFAULT_PAGE = "overview"
# An editor lands on its own to-do list; everyone else on the national overview.
EDITOR_DEFAULT_PAGE = "my-actions"
# Pages whose figures answer for the as-of date.
AS_OF_PAGES = frozenset(
    {
        "overview",
        "force",
        "recommendation",
        "overdue",
        "my-actions",
        "rounds",
        "responses",
        "changes",
    }
)


def tab_title(page_title: str) -> str:
    """The browser tab's title for a page: "Overdue actions — Recommendation tracker"."""
    return f"{page_title} — Recommendation tracker"


def default_page(actor: Actor) -> str:
    """The page a user lands on."""
    editor = actor.role.value == "editor" and may_ever(actor, Action.RECORD)
    return EDITOR_DEFAULT_PAGE if editor else DEFAULT_PAGE


def uses_as_of(page: st.Page, default: str = DEFAULT_PAGE) -> bool:
    """Does this page's figures answer for the as-of date? (The default page's path is "".)"""
    return (page.url_path or default) in AS_OF_PAGES


def spec(url_path: str) -> PageSpec:
    for page in PAGES:
        if page.url_path == url_path:
            return page
    raise LookupError(f"No page {url_path!r}.")


def visible_to(page: PageSpec, role: str) -> bool:
    return role in page.roles


def pages_for(actor: Actor) -> tuple[PageSpec, ...]:
    """The pages this actor may use; no other page is registered, so no other can be reached."""
    return tuple(
        page for page in PAGES if visible_to(page, actor.role.value) and may_ever(actor, page.needs)
    )


def build_pages(actor: Actor) -> list[st.Page]:
    return [
        st.Page(
            page.path,
            title=page.title,
            url_path=page.url_path,
            icon=page.icon,
            default=page.url_path == default_page(actor),
        )
        for page in pages_for(actor)
    ]


def go_to(url_path: str, **query_params: str) -> NoReturn:
    """Open another page, for example the force page on one force and recommendation."""
    st.switch_page(spec(url_path).path, query_params=query_params or None)
    raise AssertionError("unreachable: st.switch_page does not return")


def show_page_link(url_path: str, label: str, **query_params: str) -> None:
    page = spec(url_path)
    st.page_link(page.path, label=label, icon=page.icon, query_params=query_params or None)
