"""Work the site build can finish on the other cores while it goes on: XLSX downloads.

openpyxl spends about 2 s on the 30,000 rows of the reports of 10,000 customers, all in
one thread; MkDocs spends seconds on one core too. So the workbooks are made in forked
processes and collected when the files are written, at the end of the build.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

from ..parallel import fork_all, worth_forking

ROW_SECONDS = 7e-5  # to write one row of a workbook (openpyxl: ~2 s for 30,000 rows)


class Deferred:
    """A result that may still be in the making; `value()` waits for it."""

    def __init__(self, future: Future | None = None, value: Any = None):
        self._future, self._value = future, value  # no future and no value yet: `Background.start` gives it one

    def value(self) -> Any:
        if self._future is None and self._value is None:
            raise RuntimeError("a background job was read before Background.start()")
        if self._future is not None:
            self._value, self._future = self._future.result(), None
        return self._value

    def part(self, key: Any) -> Deferred:
        """One item of a mapping result (one job that makes several files)."""
        return _Part(self, key)


class _Part(Deferred):
    def __init__(self, whole: Deferred, key: Any):
        super().__init__()
        self._whole, self._key = whole, key

    def value(self) -> Any:
        return self._whole.value()[self._key]


def resolve(data: bytes | Deferred) -> bytes:
    return data.value() if isinstance(data, Deferred) else data


class Background:
    """Jobs collected while the build goes on, then run in forked worker processes (`parallel.fork_all`)
    when the job is large enough to pay for it. The workers inherit the jobs' arguments: nothing is
    pickled but the results."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Deferred, Callable[[], Any]]] = []

    def run(self, size: int, make: Callable[..., Any], *args: Any) -> Deferred:
        """`make(*args)` now when `size` (rows) is small, else in a worker once `start()` is called."""
        if not worth_forking(size, ROW_SECONDS):
            return Deferred(value=make(*args))
        deferred = Deferred()
        self._waiting.append((deferred, partial(make, *args)))
        return deferred

    def start(self) -> None:
        """Fork the workers and hand them every job; they stop at `parallel.settle()`, once the files are written."""
        futures = fork_all([job for _, job in self._waiting])
        for (deferred, _), future in zip(self._waiting, futures):
            deferred._future = future
        self._waiting = []  # the workers have their copy; the parent lets go of the arguments
