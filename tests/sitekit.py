"""Helpers for site tests: a copy of this repository with extra records, built by real MkDocs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import contextmanager
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


class Serving:
    """A real `mkdocs serve` of a site repository on a free loopback port (`mkdocs_serving`)."""

    def __init__(self, process: subprocess.Popen, port: int):
        self.process, self.port, self.output = process, port, ""

    def page(self, path: str) -> str:
        """The served page's text; "" while the server is not answering yet."""
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{path}", timeout=5) as response:
                return response.read().decode()
        except OSError:
            return ""


def wait_until(predicate, seconds: float, every: float = 0.1) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


@contextmanager
def mkdocs_serving(root: Path):
    """`mkdocs serve` in `root` for the block; afterwards its whole output is in `.output`."""
    import os
    import signal
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PLAINCRM_TODAY": "2026-11-23", "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "-f", str(root / "mkdocs.yml")],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    serving = Serving(process, port)
    try:
        yield serving
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        serving.output = process.communicate(timeout=30)[0].decode()
