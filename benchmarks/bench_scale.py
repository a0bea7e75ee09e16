"""How plaincrm grows: every daily step at 10,000 and at 100,000 customers, measured in the same invocation.

Each step's 100,000-customer time is compared with its 10,000-customer time (linear growth is 10x; the
target is within 11x), peak memory with 6 GB, the largest page with 300 KB, and the git commands a team
runs daily (status, diff, log of one file) with what a person calls interactive (1 s). Run by
`make bench-100k` (not in CI: about half an hour on 2 cores). This is a report, not a test.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import bench_history
from benchmarks.bench_history import make_history
from benchmarks.bench_import import write_sheet
from benchmarks.bench_site import MKDOCS, largest_page, mkdocs_build
from benchmarks.bench_validate import CRM, check, report, run_measured
from benchmarks.generate import REPO, generate

IMPORT_ROWS = 10_000
TUNE_GIT = Path(__file__).resolve().parent.parent / "tooling" / "tune-git.sh"
GB = 2**30


def prepare(folder: Path, customers: int) -> Path:
    """A generated repository with its scripted history and the site's configuration (kept for reuse)."""
    repo = folder / f"repo-{customers}"
    if not repo.exists():
        generate(repo, customers)
        shutil.copyfile(REPO / "mkdocs.yml", repo / "mkdocs.yml")
        shutil.copytree(REPO / "site", repo / "site", dirs_exist_ok=True)
        # Four rounds of edits of every record, in as many commits at either size: git writes the whole
        # 100,000-entry folder tree for each commit, so 50 files a commit took hours to script at 100,000.
        bench_history.PER_COMMIT = max(50, customers // 200)
        make_history(repo)
    return repo


def timed_git(repo: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True)
    return time.perf_counter() - started


def untune_git(repo: Path) -> None:
    """Back to git's defaults: no commit-graph, index v2, no untracked cache (what a fresh clone has)."""
    for key in ("core.commitGraph", "fetch.writeCommitGraph", "gc.writeCommitGraph", "feature.manyFiles"):
        subprocess.run(["git", "-C", str(repo), "config", "--unset-all", key], capture_output=True)
    info = repo / ".git" / "objects" / "info"
    (info / "commit-graph").unlink(missing_ok=True)
    shutil.rmtree(info / "commit-graphs", ignore_errors=True)
    subprocess.run(
        ["git", "-C", str(repo), "update-index", "--index-version", "2", "--no-untracked-cache"],
        capture_output=True,
        check=True,
    )


def timed_then_sampled(run) -> tuple[float, int]:
    """Seconds of a run without the memory sampler, then the peak memory of a second, sampled run: reading
    /proc for a 5 GB tree every 10 ms costs in proportion to its size, and took a core's share from the
    step it measured (history read 85 s sampled, 57 s not, at 100,000; 5.8 s either way at 10,000)."""
    seconds, _ = run(False)
    _, peak = run(True)
    return seconds, peak


def measure(repo: Path) -> dict[str, tuple[float, int]]:
    """Seconds (and peak tree memory, bytes) of each step on `repo`."""
    out: dict[str, tuple[float, int]] = {}

    def validate(sample: bool) -> tuple[float, int]:
        shutil.rmtree(repo / ".cache", ignore_errors=True)
        return run_measured([str(CRM), "--root", str(repo), "validate", "--no-cache"], sample_memory=sample)

    def site(sample: bool) -> tuple[float, int]:
        shutil.rmtree(repo / ".cache", ignore_errors=True)
        return mkdocs_build(repo, "build/site", sample_memory=sample)

    history = "from plaincrm.history.audit import read_history; from plaincrm.project import Project; import sys, pathlib; read_history(Project(pathlib.Path(sys.argv[1])), use_cache=False)"

    def history_read(sample: bool) -> tuple[float, int]:
        return run_measured([sys.executable, "-c", history, str(repo)], sample_memory=sample)

    def import_rows(sample: bool) -> tuple[float, int]:
        with tempfile.TemporaryDirectory(prefix="plaincrm-scale-") as tmp:  # a fresh copy each run
            work = Path(tmp) / "repo"
            shutil.copytree(repo, work, ignore=shutil.ignore_patterns(".cache", "build", ".git"))
            sheet = Path(tmp) / "import.xlsx"
            sample_dir = Path(tmp) / "sample"
            (sample_dir / "records" / "customers").mkdir(parents=True)
            for path in sorted((work / "records" / "customers").glob("*.yaml"))[:IMPORT_ROWS]:
                (sample_dir / "records" / "customers" / path.name).symlink_to(path)
            write_sheet(sample_dir, sheet)  # 10,000 rows, half updates, half new customers
            return run_measured(
                [str(CRM), "--root", str(work), "import", str(sheet), "--mode", "upsert", "--owner", "li.wei"],
                sample_memory=sample,
                ok_codes=(0, 1),
            )

    out["crm validate (cold)"] = timed_then_sampled(validate)
    out["site build (cold)"] = timed_then_sampled(site)
    out["history, 4 rounds of edits (cold)"] = timed_then_sampled(history_read)
    out[f"crm import, {IMPORT_ROWS:,} rows"] = timed_then_sampled(import_rows)
    record = sorted((repo / "records" / "customers").glob("*.yaml"))[
        len(list((repo / "records" / "customers").glob("*.yaml"))) // 2
    ]
    original = record.read_bytes()
    record.write_bytes(original.replace(b"\nneeds: ", b"\nneeds: (edited) ", 1))
    path = str(record.relative_to(repo))
    try:
        for tuned in (False, True):  # git's defaults, then `make tune-git` (tooling/tune-git.sh)
            if tuned:
                subprocess.run(["sh", str(TUNE_GIT), str(repo)], capture_output=True, check=True)
            else:
                untune_git(repo)
            after = " (tuned)" if tuned else ""
            timed_git(repo, "status", "--porcelain")  # the first status after a build refreshes the index
            out[f"git status{after}"] = (timed_git(repo, "status", "--porcelain"), 0)
            out[f"git diff{after}"] = (timed_git(repo, "diff"), 0)
            out[f"git log of one record{after}"] = (timed_git(repo, "log", "--format=%H %s", "--", path), 0)
            out[f"git log --follow of one record{after}"] = (
                timed_git(repo, "log", "--follow", "--format=%H %s", "--", path),
                0,
            )
    finally:
        record.write_bytes(original)
    size, path = largest_page(repo / "build" / "site")
    out["largest page"] = (size, 0)
    out["_largest_path"] = (0, 0)
    print(f"{repo.name}: largest page {size / 1024:.0f} KB ({path})", flush=True)
    return out


def bench(folder: Path, small: int, large: int) -> None:
    results = {}
    for customers in (small, large):
        repo = prepare(folder, customers)
        print(f"measuring {customers:,} customers in {repo}", flush=True)
        results[customers] = measure(repo)
    rows = []
    factor = large / small
    for step, (seconds, memory) in results[small].items():
        if step.startswith("_") or step == "largest page":
            continue
        big, big_memory = results[large][step]
        if step.startswith("git"):
            rows.append(
                (
                    f"{step} ({large:,})",
                    f"{big:.2f} s",
                    f"{seconds:.2f} s at {small:,}; <= 1.00 s",
                    f"{big:.2f}",
                    check(big, 1.0),
                )
            )
            continue
        rows.append(
            (
                f"{step}",
                f"{big:.1f} s",
                f"{seconds:.1f} s at {small:,}; ratio <= {factor * 1.1:.0f}x",
                f"{big / seconds:.1f}x",
                check(big / seconds, factor * 1.1),
            )
        )
        if big_memory:
            rows.append(
                (
                    f"  peak memory at {large:,}",
                    f"{big_memory / GB:.2f} GB",
                    f"{memory / GB:.2f} GB at {small:,}; <= 6 GB",
                    "",
                    check(big_memory, 6 * GB),
                )
            )
    largest = results[large]["largest page"][0]
    rows.append(
        (
            f"largest HTML page at {large:,}",
            f"{largest / 1024:.0f} KB",
            "<= 300 KB",
            f"{largest / 307200:.2f}",
            check(largest, 307200),
        )
    )
    report(rows)
    print(
        "each step cold, timed in one run and its memory (PSS summed over the process tree, sampled every ~10 ms) "
        "taken in a second; the import runs on a fresh copy each time"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the generated repositories in DIR and reuse them")
    args = parser.parse_args(argv)
    if not MKDOCS.exists() or not CRM.exists():
        print("bench: run with the virtualenv's python", file=sys.stderr)
        return 1
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        bench(args.keep, args.small, args.large)
    else:
        with tempfile.TemporaryDirectory(prefix="plaincrm-scale-") as tmp:
            bench(Path(tmp), args.small, args.large)
    return 0


if __name__ == "__main__":
    sys.exit(main())
