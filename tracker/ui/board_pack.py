"""The board pack from the dashboard: one click for the PDF, one for the workbook.

The pack is made only when the button is pressed (the data is a function), for exactly the view
on screen: the as-of date, the since date, the known-on moment and the filters.
"""

from collections.abc import Callable

import streamlit as st

from tracker.reports import content, pdf, workbook
from tracker.reports.content import PackContent
from tracker.roles import Actor
from tracker.services import report
from tracker.services.board import BoardSummary
from tracker.ui import data
from tracker.ui.session import current_actor

PDF_MIME = "application/pdf"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _maker(
    tracker: data.Tracker,
    actor: Actor,
    summary: BoardSummary,
    fmt: str,
    render: Callable[[PackContent], bytes],
) -> Callable[[], bytes]:
    # The signed-in actor is taken while the page is drawn: the pack is made later, on click.
    def make() -> bytes:
        pack = report.board_pack(engine=tracker.engine, actor=actor, view=summary.view)
        result = render(pack)
        report.record_generated(engine=tracker.engine, actor=actor, pack=pack, fmt=fmt)
        return result

    return make


def show_pack_downloads(tracker: data.Tracker, summary: BoardSummary) -> None:
    """Board pack buttons for the view on screen."""
    actor = current_actor()
    row = st.container(horizontal=True, key="board_pack_buttons")
    row.download_button(
        "Board pack (PDF)",
        data=_maker(tracker, actor, summary, "pdf", pdf.pdf_bytes),
        file_name=content.pack_file_name(summary.view, "pdf"),
        mime=PDF_MIME,
        key="board_pack_pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        help="The board pack for this view, A4 landscape: summary, ratings, the force matrix, "
        "changes since the comparison date, overdue and slipped dates. Takes up to a minute.",
    )
    row.download_button(
        "Board pack (Excel)",
        data=_maker(tracker, actor, summary, "xlsx", workbook.xlsx_bytes),
        file_name=content.pack_file_name(summary.view, "xlsx"),
        mime=XLSX_MIME,
        key="board_pack_xlsx",
        icon=":material/table_view:",
        on_click="ignore",
        help="The same content as a workbook, one sheet per table.",
    )
