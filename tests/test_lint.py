"""The code passes its linters, as CI runs them: ruff (lint and format) and mypy, with the
settings in pyproject.toml. A failure here names the file and line to fix."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO

SOURCES = ["tooling", "tests", "benchmarks"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    done = _run("ruff", "check", "--no-cache", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_leaves_every_file_as_it_is():
    done = _run("ruff", "format", "--check", "--no-cache", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_no_type_error():
    done = _run("mypy", "--cache-dir", str(REPO / ".cache" / "mypy"))
    assert done.returncode == 0, done.stdout + done.stderr
