"""The board pack as an XLSX workbook: the same content as the PDF, one sheet per table.

Every sheet opens with the view it answers for (report, as-of and since dates, known-on,
filters), then a bold, frozen header row with an autofilter. RAG cells are coloured AND carry
their letter and words. Every value goes through ``tracker.text.safe_cell`` and text cells are
written as text, so no cell is ever a live formula.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.catalogue import OWNER_LABELS, Owner
from tracker.palette import RAG_COLOURS
from tracker.reports import content as words
from tracker.reports.content import PackContent
from tracker.rules import RAG_LABELS, RAG_ORDER, RAG_SHORT, Rag
from tracker.text import safe_cell

HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    value: Callable[[Any], object]
    rag: bool = False  # a RAG value: coloured, and written as its letter and words


def rag_text(rag: str) -> str:
    value = Rag(rag)
    return f"{RAG_SHORT[value]} {RAG_LABELS[value]}"


def _cell_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: UTC, as stored
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return safe_cell(value)


def _write_context(ws: Worksheet, pack: PackContent, title: str) -> int:
    """The view every sheet answers for, above its table; returns the header row's number."""
    view = pack.view
    lines = [
        (title, TITLE_FONT),
        (f"{pack.report.short_title}. Scope: {pack.scope}.", None),
        (
            f"Figures as of {words.long_date(view.as_of)}; changes since "
            f"{words.long_date(view.since)}; {words.known_on_phrase(view)}.",
            None,
        ),
        (f"Filters: {pack.filters_text}. {pack.claims_rule}", None),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=str(safe_cell(text)))
        cell.data_type = "s"
        if font is not None:
            cell.font = font
    return len(lines) + 2


def _write_table(
    ws: Worksheet, pack: PackContent, title: str, columns: Sequence[Column], items: Sequence[Any]
) -> None:
    header = _write_context(ws, pack, title)
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=header, column=index, value=str(safe_cell(column.title)))
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(index)].width = min(column.width, MAX_WIDTH)
    for offset, item in enumerate(items, start=1):
        for index, column in enumerate(columns, start=1):
            raw = column.value(item)
            target = ws.cell(row=header + offset, column=index)
            if column.rag and isinstance(raw, str) and raw:
                text, tint = RAG_COLOURS[Rag(raw)]
                target.value = rag_text(raw)
                target.fill = PatternFill("solid", fgColor=tint.lstrip("#"))
                target.font = Font(bold=True, color=text.lstrip("#"))
            else:
                target.value = _cell_value(raw)  # type: ignore[assignment]
            if isinstance(target.value, str):
                target.data_type = "s"  # openpyxl would otherwise read "=..." as a formula
            elif isinstance(target.value, date | datetime):
                target.number_format = (
                    "d mmmm yyyy hh:mm" if isinstance(target.value, datetime) else "d mmmm yyyy"
                )
    ws.freeze_panes = f"A{header + 1}"
    last = header + max(len(items), 1)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(columns))}{last}"


def _about(ws: Worksheet, pack: PackContent) -> None:
    view = pack.view
    rows = [
        ("Report", pack.report.title),
        ("Published", words.long_date(pack.report.published)),
        ("Scope", pack.scope),
        ("Figures as of", words.long_date(view.as_of)),
        ("Changes since", words.long_date(view.since)),
        ("Record as known", words.known_on_text(view)),
        ("Filters", pack.filters_text),
        ("Rule in force", pack.claims_rule),
        ("Generated", words.generated_line(pack)),
    ]
    rows += [(f"Rating {RAG_SHORT[rag]}", RAG_LABELS[rag]) for rag in RAG_ORDER]
    _write_table(
        ws,
        pack,
        "About this board pack",
        [Column("Item", 22, lambda r: r[0]), Column("Value", 90, lambda r: r[1])],
        rows,
    )


def _summary(ws: Worksheet, pack: PackContent) -> None:
    s = pack.summary
    last = s.last_return
    rows: list[tuple[str, object, str]] = [
        (
            "Recommendations fully implemented",
            s.recommendations_implemented,
            f"of {s.recommendations}",
        ),
        ("Assignments overdue", s.overdue, f"of {s.due} due by the as-of date"),
        ("Overdue on the since date", s.overdue_at_since, words.long_date(s.view.since)),
        ("Change in overdue", s.overdue_change, "positive: more overdue than then"),
        ("Assignments", s.assignments, "in this view"),
        (
            "Last return",
            words.recorded_text(last.recorded_at) if last else "None yet",
            f"{last.organisation}, {last.recommendation}" if last else "",
        ),
    ]
    rows += [(f"Most overdue: {f.organisation}", f.overdue, "overdue") for f in s.most_overdue]
    rows += [
        (f"Lowest share implemented: {f.organisation}", round(f.share_implemented), "% implemented")
        for f in s.lowest_implemented
    ]
    rows += [
        (f"Longest silent: {f.organisation}", f.days_silent, "days since the last update")
        for f in s.longest_silent
    ]
    _write_table(
        ws,
        pack,
        "Board summary",
        [
            Column("Figure", 48, lambda r: r[0]),
            Column("Value", 14, lambda r: r[1]),
            Column("Note", 40, lambda r: r[2]),
        ],
        rows,
    )


def _count_of(rag: str) -> Callable[[Any], object]:
    return lambda point: point.counts.get(rag, 0)


def _group_count_of(rag: str) -> Callable[[Any], object]:
    return lambda item: item[1].counts.get(rag, 0)


def _cell_of(cells: dict[tuple[str, str], str], code: str) -> Callable[[Any], object]:
    return lambda force: cells.get((force, code), "")


def _trend(ws: Worksheet, pack: PackContent) -> None:
    columns = [Column("Month end", 16, lambda p: p.as_of)]
    columns += [Column(rag_text(rag.value), 16, _count_of(rag.value)) for rag in RAG_ORDER]
    columns.append(Column("Deadlines on or before", 30, lambda p: _deadlines_by(pack, p.as_of)))
    _write_table(ws, pack, "Assignments by rating at each month end", columns, pack.summary.trend)


def _deadlines_by(pack: PackContent, day: date) -> str:
    return ", ".join(
        f"{d.day.isoformat()} ({' '.join(d.recommendations)})"
        for d in pack.summary.deadlines
        if d.day <= day
    )


def _groups(ws: Worksheet, pack: PackContent) -> None:
    verified = {r.code: r.verified for r in pack.recommendations}
    columns = [
        Column("Group", 14, lambda g: g[0]),
        Column("Recommendation or owner group", 44, lambda g: g[1].label),
        Column("Wording confirmed", 12, lambda g: verified.get(g[1].key, "")),
        Column("Overall rating", 22, lambda g: g[1].rag, rag=True),
    ]
    columns += [Column(rag_text(rag.value), 14, _group_count_of(rag.value)) for rag in RAG_ORDER]
    columns.append(Column("Total", 10, lambda g: g[1].total))
    items = [("Owner group", g) for g in pack.by_owner]
    items += [(g.key, g) for g in pack.by_recommendation]
    _write_table(ws, pack, "Ratings by recommendation and owner group", columns, items)


def _matrix(ws: Worksheet, pack: PackContent) -> None:
    grid = words.matrix(pack)
    columns = [Column("Force", 34, lambda force: force)]
    columns += [Column(code, 20, _cell_of(grid["cells"], code), rag=True) for code in grid["codes"]]
    _write_table(
        ws, pack, "Forces and the recommendations for chief constables", columns, grid["forces"]
    )


def _changes(ws: Worksheet, pack: PackContent) -> None:
    items = pack.changes.movements if pack.changes else ()
    _write_table(
        ws,
        pack,
        f"Changes since {words.long_date(pack.view.since)}",
        [
            Column("Recommendation", 14, lambda m: m.recommendation),
            Column("Title", 40, lambda m: m.recommendation_title),
            Column("Organisation", 34, lambda m: m.organisation),
            Column("Change", 34, lambda m: words.change_label(m.change)),
            Column("From status", 16, lambda m: words.status_label(m.from_status)),
            Column("From rating", 22, lambda m: m.from_rag, rag=True),
            Column("To status", 16, lambda m: words.status_label(m.to_status)),
            Column("To rating", 22, lambda m: m.to_rag, rag=True),
        ],
        items,
    )


def _updates(ws: Worksheet, pack: PackContent) -> None:
    items = pack.changes.updates if pack.changes else ()
    _write_table(
        ws,
        pack,
        "Updates recorded in between",
        [
            Column("Recorded", 20, lambda u: u.recorded_at),
            Column("Recommendation", 14, lambda u: u.recommendation),
            Column("Organisation", 34, lambda u: u.organisation),
            Column("Status", 16, lambda u: words.status_label(u.status)),
            Column("Evidence date", 16, lambda u: u.evidence_date),
            Column("Back-dated", 11, lambda u: u.back_dated),
            Column("Recorded by", 24, lambda u: u.recorded_by),
            Column("What they said", 60, lambda u: pack.narratives.get(u.update_id, "")),
        ],
        items,
    )


def _overdue(ws: Worksheet, pack: PackContent) -> None:
    _write_table(
        ws,
        pack,
        "Overdue assignments",
        [
            Column("Recommendation", 14, lambda r: r.recommendation),
            Column("Title", 40, lambda r: r.recommendation_title),
            Column("Organisation", 34, lambda r: r.organisation),
            Column("Region", 20, lambda r: r.region or ""),
            Column("Status", 16, lambda r: words.status_label(r.status)),
            Column("Rating", 22, lambda r: r.rag, rag=True),
            Column("Deadline", 16, lambda r: r.deadline),
            Column("Days overdue", 12, lambda r: r.days_overdue),
            Column("Last update", 16, lambda r: r.last_update or "Never reported"),
            Column("Revised target", 16, lambda r: r.revised_target_date or ""),
        ],
        pack.overdue,
    )


def _slipped(ws: Worksheet, pack: PackContent) -> None:
    _write_table(
        ws,
        pack,
        "Slipped dates: each assignment whose target moved",
        [
            Column("Recommendation", 14, lambda s: s.recommendation),
            Column("Organisation", 34, lambda s: s.organisation),
            Column("Deadline", 16, lambda s: s.deadline or "No fixed date"),
            Column("Current target", 16, lambda s: s.current_target),
            Column("Days slipped", 12, lambda s: s.days_slipped),
            Column("Revisions", 10, lambda s: s.revision_count),
            Column("Keeps moving", 12, lambda s: s.keeps_moving),
            Column("Latest reason", 50, lambda s: s.latest_reason or ""),
            Column("Given by", 24, lambda s: s.revisions[-1].recorded_by if s.revisions else ""),
        ],
        pack.slipped,
    )


def _slipped_by_recommendation(ws: Worksheet, pack: PackContent) -> None:
    _write_table(
        ws,
        pack,
        "Slipped dates by recommendation",
        [
            Column("Recommendation", 14, lambda r: r.recommendation),
            Column("Title", 40, lambda r: r.recommendation_title),
            Column("Deadline", 16, lambda r: r.deadline or "No fixed date"),
            Column("Assignments", 12, lambda r: r.rollup.assignments),
            Column("Revised", 10, lambda r: r.rollup.revised),
            Column("Revisions", 10, lambda r: r.rollup.revisions),
            Column("Longest slip (days)", 14, lambda r: r.rollup.max_days_slipped),
            Column("Dates keep moving", 14, lambda r: r.rollup.dates_keep_moving),
        ],
        pack.slipped_by_recommendation,
    )


def _recommendations(ws: Worksheet, pack: PackContent) -> None:
    items = [(r, s) for r in pack.recommendations for s in (r.sources or (None,))]
    _write_table(
        ws,
        pack,
        "The recommendations and where their wording comes from",
        [
            Column("Recommendation", 14, lambda i: i[0].code),
            Column("Title", 40, lambda i: i[0].title),
            Column("Owner group", 20, lambda i: OWNER_LABELS[Owner(i[0].owner)]),
            Column("Deadline", 16, lambda i: i[0].deadline or "No fixed date"),
            Column("Provenance", 24, lambda i: words.provenance(i[0])),
            Column("Source", 50, lambda i: i[1].url if i[1] else ""),
            Column("What it confirms", 60, lambda i: i[1].confirms if i[1] else ""),
            Column("Read", 14, lambda i: i[1].read_text if i[1] else ""),
        ],
        items,
    )


def _rounds(ws: Worksheet, pack: PackContent) -> None:
    _write_table(
        ws,
        pack,
        "Return rounds open in the period",
        [
            Column("Round", 30, lambda r: r.round.name),
            Column("Opened", 16, lambda r: r.round.opened_on),
            Column("Due", 16, lambda r: r.round.due_date),
            Column("Closed", 16, lambda r: r.round.closed_on if r.closed_by_then else "Still open"),
            Column("Asked", 10, lambda r: r.summary.asked),
            Column("Returned", 10, lambda r: r.summary.returned),
            Column("Of them late", 12, lambda r: r.summary.returned_late),
            Column("Late, not returned", 14, lambda r: r.summary.late),
            Column("Not yet due", 12, lambda r: r.summary.not_yet_due),
        ],
        pack.rounds,
    )


def _responses(ws: Worksheet, pack: PackContent) -> None:
    _write_table(
        ws,
        pack,
        "Statutory responses (section 55 of the Police Act 1996)",
        [
            Column("Force area", 28, lambda r: r.force_area),
            Column("Local policing body", 40, lambda r: r.body),
            Column("Due", 16, lambda r: r.due),
            Column("Response", 14, lambda r: r.state.label),
            Column("Days late", 10, lambda r: r.days_late or None),
            Column("Published", 16, lambda r: r.published or "Not published"),
            Column("Link", 50, lambda r: r.url or ""),
        ],
        pack.responses,
    )


SHEETS: tuple[tuple[str, Callable[[Worksheet, PackContent], None]], ...] = (
    ("About", _about),
    ("Summary", _summary),
    ("Trend", _trend),
    ("By recommendation", _groups),
    ("Force matrix", _matrix),
    ("Changes", _changes),
    ("Updates in between", _updates),
    ("Overdue", _overdue),
    ("Slipped dates", _slipped),
    ("Slipped by recommendation", _slipped_by_recommendation),
    ("Recommendations", _recommendations),
    ("Return rounds", _rounds),
    ("Statutory responses", _responses),
)


def xlsx_bytes(pack: PackContent) -> bytes:
    book = Workbook()
    first = True
    for name, write in SHEETS:
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = name
        write(ws, pack)
        first = False
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
