"""Group commit for the audit log: an entry is durable before its request answers, yet concurrent
requests share one disk flush.

The first request to arrive while no commit is running writes every entry waiting at that moment
in one transaction; requests arriving meanwhile wait, and the next of them writes the next group.
Ten officers searching at once then cost one flush instead of ten, and none of them gets an answer
the audit log could lose. No thread of its own: requests run in the server's thread pool anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.accounts import AuditEntry


@dataclass
class _Ticket:
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, write: Callable[[list[AuditEntry]], None]) -> None:
        self._write = write
        self._changed = threading.Condition()
        self._waiting: list[tuple[AuditEntry, _Ticket]] = []
        self._writing = False
        self.failing = False  # the last group could not be written: /health says so

    def record(self, entry: AuditEntry) -> None:
        """Return once `entry` is committed (raise if its group could not be)."""
        ticket = _Ticket()
        with self._changed:
            self._waiting.append((entry.model_copy(update={"at": entry.at or datetime.now(UTC)}), ticket))
            while self._writing and not ticket.done:
                self._changed.wait()
            if not ticket.done:
                self._writing = True
                group, self._waiting = self._waiting, []
        if not ticket.done:
            error: BaseException | None = None
            try:
                self._write([queued for queued, _ in group])
            except BaseException as exc:  # noqa: BLE001 - handed to every request of the group
                error = exc
            with self._changed:
                self.failing = error is not None
                for _, waiting in group:
                    waiting.done, waiting.error = True, error
                self._writing = False
                self._changed.notify_all()
        if ticket.error is not None:
            raise ticket.error
