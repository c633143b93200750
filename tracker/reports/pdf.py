"""The board pack as an A4 landscape PDF: HTML and CSS laid out by WeasyPrint.

Charts are the dashboard's own plotly figures, drawn to PNG by kaleido in the system Chromium
(MathJax off: it would be fetched from the internet). Every value goes into the HTML through
Jinja2 with autoescaping on, so a narrative or a name that holds markup is shown as text.
"""

import asyncio
import base64
from collections.abc import Sequence
from importlib import resources

import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from tracker.catalogue import OWNER_LABELS, Owner
from tracker.moments import UK_TIME
from tracker.palette import RAG_COLOURS
from tracker.reports import content as words
from tracker.reports.content import PackContent
from tracker.reports.figures import board_trend_figure
from tracker.rules import RAG_LABELS, RAG_ORDER, RAG_SHORT, Rag

TEMPLATES = resources.files("tracker.reports") / "templates"
CHART_SCALE = 2  # pixels per CSS pixel: sharp when printed


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def tag(rag: str) -> Markup:
    """A rating as its letter and words on its colour: readable in black and white."""
    value = Rag(rag)
    text, tint = RAG_COLOURS[value]
    return Markup('<span class="tag" style="background: {}; color: {}">{} {}</span>').format(
        tint, text, RAG_SHORT[value], RAG_LABELS[value]
    )


def render_charts(figures: Sequence[tuple[go.Figure, int, int]]) -> list[bytes]:
    """PNG bytes for each (figure, width, height), in one Chromium session."""
    import kaleido

    async def draw() -> list[bytes]:
        async with kaleido.Kaleido(n=1, mathjax=False) as k:
            images = []
            for fig, width, height in figures:
                opts = {"format": "png", "width": width, "height": height, "scale": CHART_SCALE}
                images.append(await k.calc_fig(fig, opts=opts))
            return images

    return asyncio.run(draw())


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def chart_figures(pack: PackContent) -> dict[str, tuple[go.Figure, int, int]]:
    # The dashboard's figure for RAG by recommendation (imported here: it lives with the
    # dashboard's charts).
    from tracker.ui.charts import rag_by_recommendation_figure

    by_rec = rag_by_recommendation_figure(list(pack.rows), list(pack.recommendations))
    by_rec.update_layout(height=max(300, int(by_rec.layout.height or 400)))
    return {
        "trend": (board_trend_figure(pack.summary, height=360), 620, 360),
        "by_recommendation": (by_rec, 1000, int(by_rec.layout.height or 400)),
    }


def html(pack: PackContent, charts: dict[str, bytes]) -> str:
    last = pack.summary.last_return
    change = pack.summary.overdue_change
    overdue_change = (
        f"No change since {words.long_date(pack.view.since)}"
        if change == 0
        else f"{abs(change)} {'more' if change > 0 else 'fewer'} than on "
        f"{words.long_date(pack.view.since)}"
    )
    rag_key = [
        {
            "value": rag.value,
            "short": RAG_SHORT[rag],
            "label": RAG_LABELS[rag],
            "text": RAG_COLOURS[rag][0],
            "tint": RAG_COLOURS[rag][1],
        }
        for rag in RAG_ORDER
    ]
    template = _environment().get_template("pack.html")
    return template.render(
        report=pack.report,
        view=pack.view,
        scope=pack.scope,
        filters_text=pack.filters_text,
        known_on=words.known_on_text(pack.view),
        known_on_phrase=words.known_on_phrase(pack.view),
        reproduce=words.reproduce_hint(pack.view),
        generated=words.generated_line(pack),
        claims_rule=pack.claims_rule,
        summary=pack.summary,
        overdue_change=overdue_change,
        last_return={
            "when": words.long_date(last.recorded_at.astimezone(UK_TIME).date())
            if last
            else "None yet",
            "who": f"{last.organisation}, {last.recommendation}" if last else "",
        },
        charts={name: _data_uri(png) for name, png in charts.items()},
        rag_key=rag_key,
        colours={r["value"]: r for r in rag_key},
        by_owner=pack.by_owner,
        by_recommendation=pack.by_recommendation,
        verified={r.code: r.verified for r in pack.recommendations},
        matrix=words.matrix(pack),
        changes=pack.changes,
        narratives=pack.narratives,
        recorded=words.recorded_text,
        overdue=pack.overdue,
        slipped=pack.slipped,
        slipped_by_recommendation=pack.slipped_by_recommendation,
        recommendations=pack.recommendations,
        rounds=pack.rounds,
        responses=pack.responses,
        responses_summary=pack.responses_summary,
        long_date=words.long_date,
        status_label=words.status_label,
        change_label=words.change_label,
        owner_label=lambda owner: OWNER_LABELS[Owner(owner)],
        provenance=words.provenance,
        tag=tag,
        escape=escape,
    )


def pdf_bytes(pack: PackContent) -> bytes:
    """The whole pack as PDF bytes."""
    from weasyprint import CSS, HTML

    figures = chart_figures(pack)
    images = dict(zip(figures, render_charts(list(figures.values())), strict=True))
    stylesheet = CSS(string=(TEMPLATES / "pack.css").read_text(encoding="utf-8"))
    document = HTML(string=html(pack, images), base_url=str(TEMPLATES))
    # A fixed identifier and no creation date: the same content gives the same file.
    result: bytes = document.write_pdf(stylesheets=[stylesheet], pdf_identifier=b"oscae-board-pack")
    return result
