"""`crm pages OUT --watch` (issue 17): after a one-record edit only what the edit changed is made again and
written, and the folder then holds exactly what a cold `crm pages` of the edited records writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.sitekit import crm_in, make_site_repo

EDITED = "C20240501001"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def wait_for(predicate, seconds: float = 300.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def start_watching(root: Path, out: Path) -> subprocess.Popen:
    """`crm pages OUT --watch` as a person starts it, looking every 0.1 s."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PLAINCRM_TODAY": "2026-11-23"}
    return subprocess.Popen(
        [sys.executable, "-m", "plaincrm", "--root", str(root), "pages", str(out), "--watch", "--interval", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )


def ctrl_c_as_in_a_terminal() -> None:
    """A shell without job control starts background jobs with SIGINT ignored, and a test run may be one:
    the watcher is started as a person's terminal starts it, where Ctrl-C interrupts."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_watch_rewrites_only_what_an_edit_changed_and_matches_a_cold_run(tmp_path):
    root = make_site_repo(tmp_path / "repo")
    out, cold = tmp_path / "out", tmp_path / "cold"
    watcher = start_watching(root, out)
    try:
        lines: list[str] = []

        def said(count: int):
            return lambda: len(lines) >= count or bool(lines.append(watcher.stdout.readline())) and len(lines) >= count

        wait_for(said(2))  # the first write, then "watching"
        assert "watching" in lines[1], lines
        before = snapshot(out)
        record = root / "records" / "customers" / f"{EDITED}.yaml"
        record.write_text(
            record.read_text(encoding="utf-8").replace("\nneeds: ", "\nneeds: 已编辑 ", 1), encoding="utf-8"
        )
        wait_for(said(3))
        after = snapshot(out)
        changed = {path for path in after if before.get(path) != after[path]}
        page = f"customers/{EDITED}.md"
        assert page in changed and "已编辑" in after[page][0].decode("utf-8")
        customer_pages = [p for p in after if p.startswith("customers/C")]
        assert len(customer_pages) > 10 and len([p for p in changed if p.startswith("customers/C")]) == 1
        assert len(changed) < len(after) / 4  # the page, the index data, the lists it is in; not the site
        assert crm_in(root, "pages", str(cold)).returncode == 0
        assert {p: data for p, (data, _) in snapshot(cold).items()} == {p: data for p, (data, _) in after.items()}
        record.write_text("id: [broken\n", encoding="utf-8")  # a problem: said, the folder kept, still watching
        errors: list[str] = []
        wait_for(lambda: "nothing written" in (errors.append(watcher.stderr.readline()) or errors[-1]))
        assert any(f"{EDITED}.yaml" in line for line in errors) and "Traceback" not in "".join(errors)
        assert snapshot(out) == after and watcher.poll() is None
    finally:
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(30) == 0


def test_watch_refuses_an_interval_it_cannot_keep(tmp_path):
    root = make_site_repo(tmp_path / "repo")
    for bad in ("0", "-1", "nan", "soon"):
        done = crm_in(root, "pages", str(tmp_path / "out"), "--watch", "--interval", bad)
        assert done.returncode == 2 and "--interval" in done.stderr and "Traceback" not in done.stderr


def test_a_rebuild_renders_only_the_pages_whose_key_changed(tmp_path):
    from datetime import date

    from plaincrm.site.build import build_for_site
    from plaincrm.site.export import write_pages

    root = make_site_repo(tmp_path / "repo")
    memo: dict = {}
    today = date(2026, 11, 23)
    _, site = build_for_site(root, today=today, memo=memo)
    first = write_pages(site, tmp_path / "out", known={})
    assert len(first.keys) == len(site.customer_ids) > 10
    record = root / "records" / "customers" / f"{EDITED}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("\nneeds: ", "\nneeds: 已编辑 ", 1), encoding="utf-8")
    _, again = build_for_site(root, today=today, memo=memo, carry_before=site.carry)
    rendered = []
    render = again.render_customer
    again.render_customer = lambda cid: rendered.append(cid) or render(cid)  # type: ignore[method-assign]
    second = write_pages(again, tmp_path / "out", known=first.keys)
    assert rendered == [EDITED] and second.files == first.files


def test_watch_starts_afresh_when_an_option_label_changes_and_survives_a_broken_setting(tmp_path):
    """Every page was made under the old labels: a changed schema leaves nothing remembered (the review
    found pages kept the old words); a setting mid-edit is said and the watch goes on."""
    root = make_site_repo(tmp_path / "repo")
    out = tmp_path / "out"
    watcher = start_watching(root, out)
    page = out / "customers" / f"{EDITED}.md"
    try:
        assert "watching" in watcher.stdout.readline() + watcher.stdout.readline()
        assert "Potential" in page.read_text(encoding="utf-8")
        options = root / "schema" / "options.yaml"
        text = options.read_text(encoding="utf-8")
        options.write_text(text.replace("{en: Potential,", "{en: Prospect,"), encoding="utf-8")
        wait_for(lambda: "Prospect" in page.read_text(encoding="utf-8"))
        settings = root / "schema" / "settings.yaml"
        settings.write_text(settings.read_text(encoding="utf-8") + "\nno_such_setting: [\n", encoding="utf-8")
        errors: list[str] = []
        wait_for(lambda: "nothing written" in (errors.append(watcher.stderr.readline()) or errors[-1]))
        assert "settings.yaml" in "".join(errors) and "Traceback" not in "".join(errors)
        assert watcher.poll() is None
    finally:
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(30) == 0
