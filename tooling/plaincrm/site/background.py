"""Work the site build can finish on the other cores while it goes on: XLSX downloads.

openpyxl spends about 2 s on the 30,000 rows of the reports of 10,000 customers, all in
one thread; MkDocs spends seconds on one core too. So the workbooks are made in forked
processes and collected when the files are written, at the end of the build.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable

WORTH_A_PROCESS = 2_000  # fewer rows than this are written in the process that asks (forking costs more)


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

    def part(self, key: Any) -> "Deferred":
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


_jobs: list[tuple[Callable[..., Any], tuple]] = []  # what forked workers inherit: arguments are never pickled


def _run_job(index: int) -> Any:
    make, args = _jobs[index]
    return make(*args)


class Background:
    """Jobs collected while the build goes on, then run in forked worker processes when there are
    cores to spare and the job is large. The workers inherit the jobs' arguments: nothing is pickled
    but the results."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Deferred, Callable[..., Any], tuple]] = []

    @staticmethod
    def available() -> bool:
        return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()

    def run(self, size: int, make: Callable[..., Any], *args: Any) -> Deferred:
        """`make(*args)` now when `size` (rows) is small, else in a worker once `start()` is called."""
        if size < WORTH_A_PROCESS or not self.available():
            return Deferred(value=make(*args))
        deferred = Deferred()
        self._waiting.append((deferred, make, args))
        return deferred

    def start(self) -> None:
        """Fork the workers and hand them every job; the workers exit when the jobs are done."""
        if not self._waiting:
            return
        global _jobs
        _jobs = [(make, args) for _, make, args in self._waiting]
        workers = min(len(_jobs), os.cpu_count() or 1)
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))  # forks at the first submit
        try:
            for index, (deferred, _, _) in enumerate(self._waiting):
                deferred._future = pool.submit(_run_job, index)
            pool.shutdown(wait=False)
        finally:
            _jobs = []  # the workers have their copy; the parent lets go of the arguments
        self._waiting = []
