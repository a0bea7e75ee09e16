"""How fast and how lean is `crm validate` on a large synthetic repository?

Each figure is printed beside a baseline measured in the same invocation, on the same
files and machine, so that the numbers mean something on any hardware: the cold run is
compared with bare single-process libyaml parsing (`yaml.CSafeLoader`) of every record.
This is a report, not a test: it exits 0 whatever the figures, unless a command fails.

    python benchmarks/bench_validate.py [--customers 10000] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.generate import generate

RUNS = 3  # timings are the best of this many runs: the least disturbed by the rest of the machine
CRM = Path(sys.executable).parent / "crm"


class CommandFailed(Exception):
    pass


def best_of(runs: int, measure) -> float:
    return min(measure() for _ in range(runs))


def parse_all(paths: list[Path]) -> float:
    """The baseline: read and parse every record with libyaml in this one process."""
    started = time.perf_counter()
    for path in paths:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return time.perf_counter() - started


def _children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc/<pid>/task/*/children or, lacking it, every /proc/*/stat."""
    tasks = Path(f"/proc/{pid}/task")
    try:
        files = list(tasks.glob("*/children"))
        if files:
            return [int(c) for f in files for c in f.read_text().split()]
    except OSError:
        return []
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _memory(pid: int) -> int:
    """Proportional set size (bytes): pages shared with forked workers count once over the tree.

    Falls back to VmRSS where smaps_rollup is missing (that overcounts shared pages).
    """
    for name, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(name).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def tree_memory(root: int) -> int:
    """Memory (PSS, bytes) of `root` and all its descendants."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _memory(pid)
        todo += _children(pid)
    return total


def run_measured(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict | None = None,
    sample_memory: bool = False,
    ok_codes: tuple[int, ...] = (0,),
) -> tuple[float, int]:
    """Run a command to its end; wall seconds and peak memory of its process tree (0 unless sampled)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        peak = 0
        while sample_memory and process.poll() is None:
            peak = max(peak, tree_memory(process.pid))
            time.sleep(0.01)
        code = process.wait()
        elapsed = time.perf_counter() - started
        if code not in ok_codes:
            output.seek(0)
            raise CommandFailed(f"{' '.join(command)} exited {code}:\n{output.read().decode(errors='replace')[-3000:]}")
    return elapsed, peak


def run_crm(root: Path, *args: str, sample_memory: bool = False) -> tuple[float, int]:
    """Run `crm --root ROOT validate ARGS`; wall seconds and peak tree memory (0 unless sampled)."""
    return run_measured([str(CRM), "--root", str(root), "validate", *args], sample_memory=sample_memory)


def report(rows: list[tuple[str, str, str, str, str]]) -> None:
    header = ("figure", "value", "baseline/target", "ratio", "result")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(cell.ljust(w) if i in (0, 2) else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        )


def check(value: float, target: float) -> str:
    return "pass" if value <= target else "FAIL"


def bench(root: Path) -> None:
    paths = sorted((root / "records" / "customers").glob("*.yaml"))
    megabytes = sum(p.stat().st_size for p in paths) / 2**20
    print(
        f"{len(paths)} customer files ({megabytes:.1f} MiB) in {root}; {os.cpu_count()} CPUs; "
        f"Python {sys.version.split()[0]}; timings are the best of {RUNS} runs"
    )

    baseline = best_of(RUNS, lambda: parse_all(paths))
    cold = best_of(RUNS, lambda: run_crm(root, "--no-cache")[0])
    _, peak = run_crm(root, "--no-cache", sample_memory=True)  # a separate run: sampling costs CPU
    run_crm(root)  # fills the cache
    warm = best_of(RUNS, lambda: run_crm(root)[0])

    mib = peak / 2**20
    report(
        [
            ("baseline: yaml.CSafeLoader parse, 1 process", f"{baseline:.2f} s", "(baseline)", "", ""),
            (
                "crm validate --no-cache (cold) vs baseline",
                f"{cold:.2f} s",
                f"{baseline:.2f} s, ratio <= 0.70",
                f"{cold / baseline:.2f}",
                check(cold / baseline, 0.7),
            ),
            (
                "crm validate --no-cache (cold), absolute",
                f"{cold:.2f} s",
                "<= 3.00 s",
                f"{cold / 3:.2f}",
                check(cold, 3),
            ),
            ("crm validate (warm, cache filled)", f"{warm:.2f} s", "<= 0.50 s", f"{warm / 0.5:.2f}", check(warm, 0.5)),
            (
                "peak memory (PSS) of the cold run's tree",
                f"{mib:.0f} MiB",
                "<= 500 MiB",
                f"{mib / 500:.2f}",
                check(mib, 500),
            ),
        ]
    )
    print(
        "ratio: value / baseline on the first comparison, value / target on the others; "
        "memory is PSS summed over crm and its workers, sampled every ~10 ms in one extra cold run"
    )


def command_line(bench_fn, tool: Path, argv: list[str] | None) -> int:
    """The shared command line of the benchmarks: generate (or reuse) a repository, then measure."""
    parser = argparse.ArgumentParser(description=(sys.modules[bench_fn.__module__].__doc__ or "").split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it; reuse DIR as it is if it exists")
    args = parser.parse_args(argv)
    if not tool.exists():
        print(f"bench: no {tool.name} next to {sys.executable}; run with the virtualenv's python", file=sys.stderr)
        return 1
    try:
        if args.keep:
            if not args.keep.exists():
                generate(args.keep, args.customers, args.seed)
            bench_fn(args.keep.resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="plaincrm-bench-") as tmp:
                bench_fn(generate(Path(tmp) / "repo", args.customers, args.seed))
    except CommandFailed as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return command_line(bench, CRM, argv)


if __name__ == "__main__":
    sys.exit(main())
