"""The browser tab's titles a page set, as AppTest does not report ``st.set_page_config``."""

from typing import Any

import pytest
import streamlit as st


def record_tab_titles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every title the pages set from now on, in order; the real call still happens."""
    titles: list[str] = []
    real = st.set_page_config

    def spy(*args: Any, **kwargs: Any) -> None:
        title = kwargs.get("page_title", args[0] if args else None)
        if isinstance(title, str):
            titles.append(title)
        real(*args, **kwargs)

    monkeypatch.setattr(st, "set_page_config", spy)
    return titles
