"""How long does reading the audit trail from git take, cold, cached, and after one more commit?

The generated customers get a git history (through `git fast-import`): one commit imports
them all, then four rounds edit every record (its needs, then its satisfaction), fifty
records per commit, by a rotating set of authors, with every 20th commit on a branch merged
as a pull request. That is about five commits per customer, 50,000 changes in 800 commits.

The baseline, timed in the same invocation, is what the history costs without plaincrm's
one-pass reading: `git log --follow` once per record file (measured on 50 files and
scaled to all of them, since 10,000 processes take minutes). This is a report, not a test.

    python benchmarks/bench_history.py [--customers 10000] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_validate import check, command_line, report

AUTHORS = [
    "李伟 <liwei@example.com>",
    "王芳 <wangfang@example.com>",
    "Emma Hu <emma@example.com>",
    "张敏 <zhangmin@example.com>",
    "陈杰 <chenjie@example.com>",
]
PER_COMMIT = 50
ROUNDS = 4
SAMPLE = 50


def _data(text: bytes) -> bytes:
    return b"data %d\n" % len(text) + text + b"\n"


def make_history(repo: Path, seed: int = 1) -> int:
    """Give the generated repository its scripted history; the number of commits made."""
    if (repo / ".git").exists():
        return int(
            subprocess.run(
                ["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True, text=True, check=True
            ).stdout
        )
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    rng = random.Random(seed)
    files = sorted((repo / "records" / "customers").glob("*.yaml"))
    texts = {f"records/customers/{p.name}": p.read_bytes() for p in files}
    stream, mark, clock = [], 0, 1_600_000_000
    others = [
        p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts and "records/customers" not in p.as_posix()
    ]

    def commit(ref: str, message: str, changes: dict[str, bytes], parents: list[int]) -> int:
        nonlocal mark, clock
        mark += 1
        clock += rng.randint(600, 20_000)
        author = rng.choice(AUTHORS)
        lines = [
            f"commit {ref}\nmark :{mark}\n".encode(),
            f"author {author} {clock} +0800\n".encode(),
            f"committer {author} {clock} +0800\n".encode(),
            _data(message.encode()),
        ]
        if parents:
            lines.append(f"from :{parents[0]}\n".encode())
            lines += [f"merge :{p}\n".encode() for p in parents[1:]]
        for path, text in changes.items():
            lines.append(f"M 100644 inline {path}\n".encode() + _data(text))
        stream.extend(lines)
        return mark

    first = {p.relative_to(repo).as_posix(): p.read_bytes() for p in others}
    first.update(texts)
    tip = commit("refs/heads/main", "Import customers from the spreadsheet", first, [])
    count, pull = 1, 0
    paths = sorted(texts)
    for round_no in range(1, ROUNDS + 1):
        for start in range(0, len(paths), PER_COMMIT):
            changes = {}
            for path in paths[start : start + PER_COMMIT]:
                text = texts[path].decode()
                if round_no % 2:
                    text = re.sub(
                        r"(?m)^(needs: .*?)(\"?)$",
                        lambda m, round_no=round_no: f"{m.group(1)} (review {round_no}){m.group(2)}",
                        text,
                        count=1,
                    )
                else:
                    text = re.sub(r"(?m)^satisfaction: \d$", f"satisfaction: {rng.randint(1, 5)}", text, count=1)
                texts[path] = text.encode()
                changes[path] = texts[path]
            if (start // PER_COMMIT) % 20 == 0:  # a pull request: a branch commit merged into main
                pull += 1
                branch = commit(f"refs/heads/pr{pull}", f"Review {round_no}: customers {start}+", changes, [tip])
                # the merge's tree is the branch's, as on the git host (fast-import starts from the first parent's)
                tip = commit(
                    "refs/heads/main", f"Merge pull request #{pull} from team/pr{pull}", changes, [tip, branch]
                )
                count += 2
            else:
                tip = commit("refs/heads/main", f"Review {round_no}: customers {start}+", changes, [tip])
                count += 1
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "-f", "main"], check=True)
    for path, text in texts.items():  # the working tree as the last commit has it
        (repo / path).write_bytes(text)
    return count


def naive_seconds(repo: Path, files: list[str]) -> float:
    """`git log --follow -p` per file, on a sample, scaled to every file."""
    sample = files[:: max(1, len(files) // SAMPLE)][:SAMPLE]
    started = time.perf_counter()
    for path in sample:
        subprocess.run(
            ["git", "-C", str(repo), "log", "--follow", "-p", "--format=%H %an %aI %s", "--", path],
            capture_output=True,
            check=True,
        )
    return (time.perf_counter() - started) * len(files) / len(sample)


def bench(repo: Path) -> None:
    from plaincrm.gcpause import gc_paused
    from plaincrm.history.audit import read_history
    from plaincrm.project import Project

    started = time.perf_counter()
    commits = make_history(repo)
    project = Project(repo)
    files = [project.relative(p) for p in project.customer_files()]
    print(
        f"{len(files)} customers, {commits} commits in {repo} (made in {time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    naive = naive_seconds(repo, files)
    with gc_paused():
        started = time.perf_counter()
        history = read_history(project, use_cache=False)
        cold = time.perf_counter() - started
        read_history(project)  # fills the cache
        started = time.perf_counter()
        read_history(project)
        warm = time.perf_counter() - started
    changes = sum(len(history.of_file(f)) for f in files)
    path = repo / files[0]
    path.write_text(path.read_text(encoding="utf-8").replace("needs: ", "needs: 再次", 1), encoding="utf-8")
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-am", "One more change"],
        check=True,
        env={
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "b@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "b@example.com",
            "PATH": "/usr/bin:/bin",
        },
    )
    with gc_paused():
        started = time.perf_counter()
        read_history(project)
        incremental = time.perf_counter() - started
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "HEAD~1"], check=True)
    report(
        [
            ("baseline: git log --follow -p per file (scaled)", f"{naive:.2f} s", "(baseline)", "", ""),
            (
                "history, cold (one git log, blobs in one batch)",
                f"{cold:.2f} s",
                "<= 10.00 s",
                f"{cold / 10:.2f}",
                check(cold, 10),
            ),
            ("history, cold vs baseline", f"{cold:.2f} s", f"{naive:.2f} s", f"{cold / naive:.2f}", ""),
            ("history, cached (same commit)", f"{warm:.2f} s", "<= 1.00 s", f"{warm:.2f}", check(warm, 1)),
            (
                "history, one new commit",
                f"{incremental:.2f} s",
                "<= 1.00 s",
                f"{incremental:.2f}",
                check(incremental, 1),
            ),
            ("entries read", str(changes), f"{commits} commits", "", ""),
        ]
    )
    print(f"baseline: {SAMPLE} files timed, scaled to {len(files)}; in-process timings, collector paused as in a build")


def main(argv: list[str] | None = None) -> int:
    return command_line(bench, Path(sys.executable), argv)


if __name__ == "__main__":
    sys.exit(main())
