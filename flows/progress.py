"""Progress of a running batch, for whoever is watching (the CLI's progress bar).

Prefect parameters must be serialisable, so a live callback cannot be passed into a flow; tasks run in
threads of the same process, so they report here and the CLI listens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum


class Event(StrEnum):
    PAGES_PLANNED = "pages_planned"
    PAGE_DONE = "page_done"
    FILE_DONE = "file_done"


Listener = Callable[[Event, int], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def listen(listener: Listener) -> Callable[[], None]:
    """Register a listener; returns the function that unregisters it."""
    with _lock:
        _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def emit(event: Event, amount: int = 1) -> None:
    """Tell every listener; a listener's failure never disturbs the batch."""
    for listener in list(_listeners):
        try:
            listener(event, amount)
        except Exception:  # noqa: BLE001 - display problems must not fail ingestion
            pass
