"""`make tune-git` (tooling/tune-git.sh): a large repository's clone gets a commit-graph with changed-path
Bloom filters and index v4, and git's answers stay the same (issue 17: `git log -- one/file` at 100,000
customers went from 10.5 s to 0.5 s)."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "tooling" / "tune-git.sh"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_tuning_writes_bloom_filters_and_changes_no_answer(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    folder = repo / "records" / "customers"
    folder.mkdir(parents=True)
    for round_no in range(3):
        for n in range(20):
            (folder / f"C2024050100{n:02d}.yaml").write_text(f"id: C2024050100{n:02d}\nround: {round_no}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"round {round_no}")
    (folder / "C202405010003.yaml").write_text("id: C202405010003\nround: 9\n")  # an edit in progress
    one = "records/customers/C202405010003.yaml"
    before = [git(repo, "log", "--format=%H %s", "--", one), git(repo, "status", "--porcelain"), git(repo, "diff")]

    done = subprocess.run(["sh", str(SCRIPT), str(repo)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    graph = (repo / ".git" / "objects" / "info" / "commit-graph").read_bytes()
    assert graph.startswith(b"CGPH") and b"BIDX" in graph and b"BDAT" in graph  # the changed-path filters
    assert git(repo, "config", "feature.manyFiles").strip() == "true"
    assert (repo / ".git" / "index").read_bytes()[4:8] == (4).to_bytes(4, "big")  # index version 4
    after = [git(repo, "log", "--format=%H %s", "--", one), git(repo, "status", "--porcelain"), git(repo, "diff")]
    assert after == before and len(before[0].splitlines()) == 3
    assert subprocess.run(["sh", str(SCRIPT), str(repo)], capture_output=True).returncode == 0  # again: harmless
