"""Helpers for site tests: a copy of this repository with extra records, built by real MkDocs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

XSS_RECORD = """\
# yaml-language-server: $schema=../../schema/customer.schema.json
id: C20261101001
kind: company
name: "<script>window.__xss=1</script>恶意公司</title><script>window.__xss=4</script>"
industry: other
source: other
category: new
cooperation: not_started
owner: li.wei
tags: ["{{ 7*7 }}", "<b>bold</b>", "../../escape"]
needs: '<img src=x onerror="window.__xss=2"> 需要运维'
notes: "[click](javascript:window.__xss=3) **not bold** {% raw %}{{ config }}{% endraw %}"
contacts:
  - {name: "<svg onload=window.__xss=5>", title: "\\"><script>window.__xss=6</script>", phone: "13900001111", email: "evil@example.com"}
interactions:
  - date: 2026-11-01
    channel: email
    topic: "<iframe src=javascript:window.__xss=7>"
    summary: "&lt;script&gt; already escaped &amp; <u>raw</u>"
    by: [li.wei]
"""

XSS_MARKERS = ("<script>window.__xss", "<img src=x", "<svg onload", "<iframe", "<u>raw</u>", "<b>bold</b>")


def make_site_repo(
    root: Path,
    *,
    extra: dict[str, str] | None = None,
    language: str = "en",
    repo_url: str | None = "https://git.example.com/team/crm",
) -> Path:
    """A copy of this repository's schema, records and site configuration, plus `extra` records."""
    for name in ("schema", "records", "site"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("  language: en ", f"  language: {language} ")
    if repo_url:
        config = f"repo_url: {repo_url}\n" + config
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    for name, text in (extra or {}).items():
        (root / "records" / "customers" / name).write_text(text, encoding="utf-8")
    return root


def mkdocs_build(
    root: Path, *, today: str = "2026-11-23", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {
        "PLAINCRM_TODAY": today,
        "NO_MKDOCS_2_WARNING": "1",
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(root / "out")],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
    )


def crm_in(root: Path, *args: str, today: str = "2026-11-23") -> subprocess.CompletedProcess:
    """`crm --root ROOT ARGS` in a child process, as a person runs it, on a fixed "today"."""
    import os

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PLAINCRM_TODAY": today}
    return subprocess.run(
        [sys.executable, "-m", "plaincrm", "--root", str(root), *args],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
    )
