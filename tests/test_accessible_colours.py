"""The palette keeps text readable (WCAG 4.5:1) and never leaves a rating to colour alone."""

import pytest

from tracker.palette import (
    ERROR_COLOUR,
    LINK_COLOUR,
    LINK_VISITED_COLOUR,
    RAG_COLOURS,
    RAG_FILLS,
    RAG_PATTERNS,
    SECONDARY_TEXT_COLOUR,
    TEXT_COLOUR,
)
from tracker.rules import RAG_LABELS, RAG_SHORT, Rag
from tracker.ui.rag import text_colour_on_fill


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag_examples() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#77a9d4", "#ffffff") == pytest.approx(2.49, abs=0.01)  # the old link


@pytest.mark.parametrize(
    "colour", [TEXT_COLOUR, SECONDARY_TEXT_COLOUR, LINK_COLOUR, LINK_VISITED_COLOUR, ERROR_COLOUR]
)
def test_text_and_link_colours_reach_4_5_to_1_on_white(colour: str) -> None:
    assert contrast(colour, "#ffffff") >= 4.5


@pytest.mark.parametrize("rag", list(Rag))
def test_every_rating_has_words_a_letter_a_readable_tag_and_a_pattern(rag: Rag) -> None:
    text, tint = RAG_COLOURS[rag]
    assert contrast(text, tint) >= 4.5
    assert RAG_LABELS[rag] and RAG_SHORT[rag]
    assert rag in RAG_PATTERNS
    # The letter or count drawn on a chart's fill is readable too (large text: 3:1).
    assert contrast(text_colour_on_fill(rag), RAG_FILLS[rag]) >= 3


def test_patterns_tell_every_rating_apart() -> None:
    assert len(set(RAG_PATTERNS.values())) == len(RAG_PATTERNS)
