"""Group commit for the audit log: an entry is durable before its request answers, yet concurrent
requests share one disk flush.

The first request to arrive while no commit is running writes every entry waiting at that moment
in one transaction; requests arriving meanwhile wait, and the next of them writes the next group.
Ten officers searching at once then cost one flush instead of ten, and none of them gets an answer
the audit log could lose. No thread of its own: requests run in the server's thread pool anyway.

Searches run on the event loop (web.api), where no other request runs while one writes: their
entries wait for the end of the loop's current turn (`record_soon`), so the searches whose requests
arrived together are written in one transaction (one BEGIN, one flush) before any of them answers.
"""

from __future__ import annotations

import asyncio
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
        self._this_turn: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self.failing = False  # the last group could not be written: /health says so

    def record(self, *entries: AuditEntry) -> None:
        """Return once `entries` are committed (raise if their group could not be)."""
        ticket = _Ticket()
        with self._changed:
            self._waiting.extend((entry.model_copy(update={"at": entry.at or datetime.now(UTC)}), ticket)
                                 for entry in entries)
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

    async def record_soon(self, entry: AuditEntry) -> None:
        """On the event loop: return once `entry` is committed with the others recorded in this turn
        of the loop (raise if their group could not be)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        if not self._this_turn:
            loop.call_soon(self._write_this_turn)
        self._this_turn.append((entry, done))  # stamped by `record`, in this same turn
        await done

    def _write_this_turn(self) -> None:
        group, self._this_turn = self._this_turn, []
        error: BaseException | None = None
        try:
            self.record(*(entry for entry, _ in group))
        except Exception as exc:  # noqa: BLE001 - handed to every request of the group
            error = exc
        for _, done in group:
            if done.cancelled():
                continue
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
