"""The one way work is spread over cores (`plaincrm.parallel`), run for real: forked workers, no mocks."""

from __future__ import annotations

import ast
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm import parallel
from plaincrm.dataset import check_project
from plaincrm.history.audit import read_history
from plaincrm.parallel import fork_all, map_chunks, worth_forking

from .gitkit import ScriptedGit

PACKAGE = Path(parallel.__file__).parent
needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="needs Linux and two cores")
BIG = parallel.FORK_PAYS_FROM  # seconds per item: one item is worth forking for


class Refused(Exception):
    """A worker's own exception type: it must reach the parent as itself."""


def pids(chunk: list[int]) -> list[int]:
    return [os.getpid() for _ in chunk]


def test_small_work_stays_in_this_process():
    assert not worth_forking(100, BIG / 1000)
    assert set(map_chunks(pids, list(range(100)), seconds_each=BIG / 1000)) == {os.getpid()}


@needs_fork
def test_large_work_is_forked_and_jobs_1_keeps_it_here():
    def slow_pids(chunk: list[int]) -> list[int]:  # instant chunks could all go to the worker started first
        time.sleep(0.05)
        return pids(chunk)

    forked = list(map_chunks(slow_pids, list(range(100)), seconds_each=BIG))
    assert len(forked) == 100 and os.getpid() not in forked and len(set(forked)) > 1
    assert set(map_chunks(pids, list(range(100)), seconds_each=BIG, jobs=1)) == {os.getpid()}


def test_no_fork_outside_linux(monkeypatch):
    """macOS has fork, but forking there is unsafe: everything runs in this process."""
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not parallel.can_fork()
    assert set(map_chunks(pids, list(range(100)), seconds_each=BIG)) == {os.getpid()}


@needs_fork
@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(), max_size=300), st.sampled_from([BIG / 10_000, BIG]))
def test_results_in_order_wherever_made(items, seconds_each):
    seen = []  # a closure: workers inherit it by fork, nothing of it is pickled
    out = list(
        map_chunks(
            lambda chunk: [(x, x * 3) for x in chunk],
            items,
            seconds_each=seconds_each,
            progress=lambda done, total: seen.append((done, total)),
        )
    )
    assert out == [(x, x * 3) for x in items]
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})  # rising, once per chunk
    assert seen[-1:] == ([(len(items), len(items))] if items else [])


@pytest.mark.parametrize("seconds_each", [BIG / 10_000, pytest.param(BIG, marks=needs_fork)], ids=["here", "forked"])
def test_an_exception_in_a_worker_is_raised_as_itself(seconds_each):
    def refuse_13(chunk):
        if 13 in chunk:
            raise Refused("row 13 refused")
        return chunk

    with pytest.raises(Refused, match="row 13 refused"):
        list(map_chunks(refuse_13, list(range(100)), seconds_each=seconds_each))


@needs_fork
def test_fork_all_runs_each_job_in_a_worker():
    table = {"rows": 3}  # inherited, never pickled

    def refuse():
        raise Refused("no")

    rows, pid, refused = fork_all([lambda: table["rows"] * 2, os.getpid, refuse])
    assert rows.result(timeout=30) == 6 and pid.result(timeout=30) != os.getpid()
    with pytest.raises(Refused, match="no"):
        refused.result(timeout=30)
    assert fork_all([]) == []


@needs_fork
def test_settle_leaves_no_pool_for_the_exit_hook():
    """A pool still running at exit races Python's exit hook: a traceback (EBADF) after a build that
    succeeded. `settle` joins every pool `fork_all` started, so its manager thread is gone."""
    import threading

    futures = fork_all([lambda: 1, lambda: 2])
    assert [f.result(timeout=30) for f in futures] == [1, 2]
    parallel.settle()
    assert not parallel._started
    assert not [t for t in threading.enumerate() if "ExecutorManager" in type(t).__name__]


@needs_fork
def test_background_workers_exit_when_their_jobs_are_done_without_settle():
    """Idle workers hold copies of the parent's pipes: one left waiting made a Playwright driver wait
    forever for EOF (a hung test run). They must go when the jobs are done, settled or not."""
    import multiprocessing
    import time

    futures = fork_all([lambda: 1, lambda: 2])
    assert [f.result(timeout=30) for f in futures] == [1, 2]
    deadline = time.monotonic() + 20
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not multiprocessing.active_children()
    parallel.settle()


@needs_fork
def test_ctrl_c_while_background_jobs_run_stops_the_process_promptly(tmp_path):
    """Ctrl-C reaches the whole process group: the parent stops the pool (`settle` in a finally, as the
    site build and `crm pages --watch` do) and exits; the workers, running jobs, leave the interrupt to it."""
    import signal
    import subprocess

    script = (
        "import sys, time\nfrom pathlib import Path\nfrom plaincrm import parallel\n"
        "def job(i):\n    Path(sys.argv[1], str(i)).touch()\n    time.sleep(2)\n    return i\n"
        "futures = parallel.fork_all([lambda i=i: job(i) for i in range(4)])\n"
        "try:\n    [f.result() for f in futures]\nfinally:\n    parallel.settle()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(
            signal.SIGINT, signal.SIG_DFL
        ),  # as a terminal starts it (see test_pages_watch)
    )
    deadline = time.monotonic() + 30
    while len(list(tmp_path.iterdir())) < min(2, parallel.cores()) and time.monotonic() < deadline:
        time.sleep(0.02)  # the workers are running jobs (their start-up, which sets the interrupt aside, is done)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode != 0 and "KeyboardInterrupt" in err
    assert "BrokenProcessPool" not in err and "Errno 9" not in err


@needs_fork
def test_a_script_that_settles_exits_without_a_traceback(tmp_path):
    """The build's own path, as a process: results read, `settle`, exit; stderr stays empty every time."""
    import subprocess

    script = (
        "from plaincrm import parallel\nfor f in parallel.fork_all([lambda: 1] * 2): f.result()\nparallel.settle()\n"
    )
    for _ in range(10):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stderr == ""


def test_only_parallel_starts_processes():
    """No other module of the package makes its own worker pool: one policy decides."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == Path(parallel.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Attribute) and node.attr in ("ProcessPoolExecutor", "fork", "Pool"):
                names = [node.attr]
            found += [
                f"{path.relative_to(PACKAGE)}: {name}"
                for name in names
                if name.startswith("multiprocessing") or name.endswith(("ProcessPoolExecutor", "fork", "Pool"))
            ]
    assert found == []


@needs_fork
def test_validation_and_history_agree_forked_and_here(repo, monkeypatch):
    git = ScriptedGit(repo.root)
    for i in range(1, 41):
        repo.good(f"C20240501{i:03d}", name=f"客户{i}", **({"owner: li.wei": "owner: nobody"} if i % 7 == 0 else {}))
    git.commit("Add forty customers", date="2024-05-01T09:00:00+08:00")
    for i in range(1, 41, 3):
        repo.good(f"C20240501{i:03d}", name=f"客户{i}", **{"cooperation: not_started": "cooperation: active"})
    git.commit("Some became active", date="2024-06-01T09:00:00+08:00")
    here = (
        check_project(repo.project, jobs=1, use_cache=False).problems,
        read_history(repo.project, use_cache=False, jobs=1),
    )
    monkeypatch.setattr(parallel, "FORK_PAYS_FROM", 0)  # any amount of work is forked
    forked = check_project(repo.project, use_cache=False).problems, read_history(repo.project, use_cache=False)
    assert here == forked and len(here[0]) == 3 and len(here[1].recent) == 40 + 14


def test_a_problem_error_raised_in_a_worker_reaches_the_parent_whole():
    import pickle

    from plaincrm.problems import Problem, ProblemError

    error = ProblemError([Problem("records/customers/C1.yaml", 3, 1, "name", "required")])
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems and str(again) == str(error)
