"""Fault injection for tests: make the next N calls to an operation fail or hang."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    operation: str  # the view name, e.g. "push", "reply", "get_content", or "*"
    status: int | None  # answer this status (LINE's error body) instead; None: answer normally
    delay: float  # seconds to hang before answering
    times: int  # how many calls it still affects
    after: bool  # True: do the work first, then fail or hang (the "accepted but lost" case)


class Faults:
    """Pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def inject(
        self,
        operation: str,
        *,
        status: int | None = 500,
        delay: float = 0.0,
        times: int = 1,
        after: bool = False,
    ) -> None:
        with self._lock:
            self._wake.clear()
            self._pending.append(Fault(operation, status, delay, times, after))

    def take(self, operation: str, *, after: bool) -> Fault | None:
        """The fault for this call, if any, counting it as used."""
        with self._lock:
            for fault in self._pending:
                if fault.after == after and fault.operation in (operation, "*"):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def hang(self, seconds: float) -> None:
        """Sleep, but wake at once when the faults are cleared (so a test never leaks a thread)."""
        self._wake.wait(seconds)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._wake.set()
