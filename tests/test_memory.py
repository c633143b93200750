"""A dashboard process freezes what is alive once per page, and never freezes garbage."""

import gc
import uuid
import weakref
from collections.abc import Iterator

import pytest

from tracker import memory


class Node:
    other: "Node | None" = None


@pytest.fixture
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()  # leave the test process's collector as it was


def test_a_page_freezes_once_and_garbage_is_collected_first(thawed: None) -> None:
    first, second = Node(), Node()
    first.other, second.other = second, first  # a cycle: only the collector can free it
    gone = weakref.ref(first)
    kept = Node()
    del first, second
    page = f"page-{uuid.uuid4().hex}"

    assert memory.freeze_once(page)
    assert gone() is None, "the unreachable cycle was collected, not frozen"
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(kept)
    assert not any(o is kept for o in gc.get_objects()), "what is alive is frozen"
    assert not memory.freeze_once(page), "a page's second run freezes nothing"
