"""Keeping the garbage collector off the objects a dashboard process makes once and keeps.

Streamlit, pandas, Plotly and SQLAlchemy leave a few hundred thousand objects alive for the
life of the process. Each full collection walked them all again (40 to 130 ms, every twenty or
so page runs, growing), which a reader saw as a slow page now and then. Once each page has run
for the first time (so what it imports is in), what is alive is moved into the permanent
generation, where collections no longer look.
"""

import gc
import threading

_lock = threading.Lock()
_frozen: set[str] = set()


def freeze_once(name: str) -> bool:
    """Collect the garbage, then freeze everything still alive, the first time ``name`` (a
    page) asks in this process. True when it did."""
    with _lock:
        if name in _frozen:
            return False
        _frozen.add(name)
        # Collect first, so only what is alive is frozen, never garbage waiting to be freed.
        gc.collect()
        gc.freeze()
    return True
