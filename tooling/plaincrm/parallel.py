"""Work spread over the machine's cores: the one place that decides when, how and on how many.

Workers are forked, so they inherit what the parent built (the imported `schema/`, the project,
the validators, the parsed records): nothing is pickled but the chunk bounds and the results, and
the work may be any callable, a closure included. Fork is used only on Linux: macOS offers it but
its system libraries are not safe to use in a forked child (Python's default there is spawn, which
would re-import the team's schema in every worker), and Windows has no fork. Elsewhere, with one
core, or when the work is too small to pay for forking, everything runs in this process, chunk
by chunk in the same order, so results never depend on where they were made.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

FORK_PAYS_FROM = 0.1  # seconds of work in one process: less finishes before forking and collecting pays off
CHUNKS_PER_WORKER = 8  # several chunks each, so a slow chunk does not leave the other cores idle
SERIAL_CHUNK = 50  # items per chunk in this process: how often `progress` hears of it

_inherited: dict[int, Any] = {}  # token -> (function, its input) or jobs: what forked workers see
_tokens = itertools.count()
_started: list[tuple[list[Future], Any]] = []  # `fork_all`'s jobs and pool threads, until `settle` joins them


def can_fork() -> bool:
    """Fork is available and safe here (Linux) and there is more than one core to use."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods() and cores() > 1


def cores() -> int:
    """The cores this process may run on (a container's or `taskset`'s limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worth_forking(items: int, seconds_each: float, jobs: int | None = None) -> bool:
    """The one policy: fork when it is safe, there are cores to use (`jobs`: at most this many
    processes; 1 keeps the work here) and the work (`items` × about `seconds_each`) outlasts
    the cost of forking the workers and collecting their results."""
    return (jobs is None or jobs > 1) and items * seconds_each >= FORK_PAYS_FROM and can_fork()


def map_chunks(
    func: Callable[[list[T]], list[R]],
    items: list[T],
    *,
    seconds_each: float,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[R]:
    """`func(chunk)` for consecutive chunks of `items`, each result in the order of `items`.

    In forked workers when `worth_forking` says so, else here. Results arrive chunk by chunk, so
    the caller can work on them while later chunks are made; `progress(done, total)` is called
    after each chunk. An exception raised by `func` is raised here, as the same exception.
    """
    total = len(items)
    if not total:
        return
    if not worth_forking(total, seconds_each, jobs):
        for start in range(0, total, SERIAL_CHUNK):
            yield from func(items[start : start + SERIAL_CHUNK])
            if progress:
                progress(min(start + SERIAL_CHUNK, total), total)
        return
    workers = min(jobs or cores(), cores())
    size = -(-total // (workers * CHUNKS_PER_WORKER))
    bounds = [(start, min(start + size, total)) for start in range(0, total, size)]
    token = next(_tokens)
    _inherited[token] = (func, items)  # before forking: the workers inherit it
    done = 0
    try:
        with ProcessPoolExecutor(min(workers, len(bounds)), mp_context=multiprocessing.get_context("fork")) as pool:
            for results in pool.map(_run_chunk, itertools.repeat(token), *zip(*bounds)):
                yield from results
                done += len(results)
                if progress:
                    progress(done, total)
    finally:
        del _inherited[token]


def _run_chunk(token: int, start: int, stop: int) -> list[Any]:
    func, items = _inherited[token]
    return func(items[start:stop])


def fork_all(jobs: Sequence[Callable[[], R]]) -> list[Future[R]]:
    """Start every job in forked workers (one per core at most) and return their futures at once.

    The workers inherit the jobs, arguments included, and exit when the last is done; the parent
    keeps no reference to the jobs, so what only they needed can be freed here meanwhile. For work
    that goes on while the caller does something else; ask `worth_forking` first, and call `settle`
    once the results are read.
    """
    if not jobs:
        return []
    token = next(_tokens)
    _inherited[token] = list(jobs)
    pool = ProcessPoolExecutor(
        min(len(jobs), cores()), mp_context=multiprocessing.get_context("fork"), initializer=_leave_interrupts
    )
    try:  # with fork, every worker is started at the first submit (Python >= 3.11): then the parent may let go
        futures = [pool.submit(_run_job, token, index) for index in range(len(jobs))]
        manager = getattr(pool, "_executor_manager_thread", None)  # CPython's; `settle` joins it
        pool.shutdown(wait=False)  # the workers exit once the jobs are done, whoever reads the results
    finally:
        del _inherited[token]
    _started.append((futures, manager))
    return futures


def settle() -> None:
    """Wait for the jobs `fork_all` started and for each pool's manager thread to end.

    Idle workers must not outlive their jobs (they hold copies of the parent's pipes: a Playwright
    driver waiting for EOF waited forever), so each pool is shut down at once, without waiting. But a
    pool's manager thread still running at Python's exit races the exit hook, which wakes it through
    a pipe it may be closing at that moment (CPython 3.11): "OSError: [Errno 9] Bad file descriptor"
    in a traceback after a build that succeeded. Joined here, the hook finds nothing to wake. After an
    error or Ctrl-C, jobs not started yet are dropped and the running ones finish.
    """
    while _started:
        futures, manager = _started.pop()
        for future in futures:
            future.cancel()  # only those still waiting; the others are done or finish
        wait(futures)
        if manager is not None:
            manager.join()


def _leave_interrupts() -> None:
    """A background worker leaves Ctrl-C to its parent (the whole process group gets it), which stops
    the pool through `settle`: a worker interrupted between two jobs died with the pool still waiting on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_job(token: int, index: int) -> Any:
    return _inherited[token][index]()
