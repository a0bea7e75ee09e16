"""`mkdocs serve` hears of record edits from inotify (`site.watching`), run for real: MkDocs' own
live-reload server, real files, a real `mkdocs serve` process. No mocks."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

from plaincrm.site.watching import watch_by_kernel

from .sitekit import make_site_repo, mkdocs_serving, wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


def wait_for(predicate, seconds: float) -> bool:
    return wait_until(predicate, seconds, every=0.05)  # a watcher's events come within milliseconds


@pytest.fixture
def server(tmp_path):
    from mkdocs.livereload import LiveReloadServer

    builds: list[float] = []
    live = LiveReloadServer(
        builder=lambda: builds.append(time.monotonic()), host="127.0.0.1", port=0, root=str(tmp_path)
    )
    live.builds = builds
    yield live
    live.observer.stop()


def wants_rebuild(server) -> bool:
    with server._rebuild_cond:  # what MkDocs' handler sets for its build loop
        return server._want_rebuild


def test_an_edit_reaches_mkdocs_handler_through_inotify_and_polling_stops(tmp_path, server):
    folder = tmp_path / "customers"
    (folder / "2024").mkdir(parents=True)
    record = folder / "2024" / "C1.yaml"
    record.write_text("name: a\n")
    server.watch(str(folder))
    kernel = watch_by_kernel(server, folder)
    assert kernel is not None
    try:
        polling = [e for e in server.observer.emitters if e.watch.path == str(folder)]
        assert polling and polling[0].stopped_event.is_set()  # no more listing 10,000 files every 0.5 s
        server.observer.start()
        assert record.read_text() == "name: a\n"  # reading is no change: a build reads every record
        time.sleep(0.3)
        assert not wants_rebuild(server)
        record.write_text("name: b\n")  # in a subfolder too
        assert wait_for(lambda: wants_rebuild(server), 5)
    finally:
        kernel.stop()


@pytest.mark.parametrize("how", ["replace", "create", "delete", "subfolder moved out"])
def test_editors_saves_new_files_and_deletions_are_heard(tmp_path, server, how):
    folder = tmp_path / "customers"
    folder.mkdir()
    record = folder / "C1.yaml"
    record.write_text("name: a\n")
    server.watch(str(folder))
    kernel = watch_by_kernel(server, folder)
    server.observer.start()
    try:
        if how == "replace":  # vim, VS Code: a new file renamed over the old one
            (folder / ".C1.yaml.swp").write_text("name: b\n")
            os.replace(folder / ".C1.yaml.swp", record)
        elif how == "create":
            (folder / "C2.yaml").write_text("name: c\n")
        elif how == "delete":
            record.unlink()
        else:  # an archive year moved out whole: inotify names the folder alone, polling named its files
            (folder / "2023").mkdir()
            (folder / "2023" / "C0.yaml").write_text("name: z\n")
            assert wait_for(lambda: wants_rebuild(server), 5)
            with server._rebuild_cond:
                server._want_rebuild = False
            os.rename(folder / "2023", tmp_path / "archive")
        assert wait_for(lambda: wants_rebuild(server), 5)
    finally:
        kernel.stop()


def test_elsewhere_than_linux_mkdocs_keeps_polling(tmp_path, server, monkeypatch):
    server.watch(str(tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert watch_by_kernel(server, tmp_path) is None
    assert not any(e.stopped_event.is_set() for e in server.observer.emitters)


def test_a_server_that_does_not_poll_is_left_as_it_is(tmp_path, server):
    from watchdog.observers.inotify import InotifyObserver

    server.observer = InotifyObserver()
    server.watch(str(tmp_path))
    assert watch_by_kernel(server, tmp_path) is None


def test_mkdocs_serve_rebuilds_once_per_save_and_not_for_its_own_reads(tmp_path):
    root = make_site_repo(tmp_path)
    with mkdocs_serving(root) as serve:
        page = "customers/C20240501001.html"
        assert wait_for(lambda: "A科技有限公司" in serve.page(page), 60)
        record = root / "records" / "customers" / "C20240501001.yaml"
        edited = record.read_text(encoding="utf-8").replace("服务器运维解决方案", "服务器运维解决方案 saved-by-rename")
        swap = record.with_name(".C20240501001.yaml.tmp")
        swap.write_text(edited, encoding="utf-8")
        os.replace(swap, record)  # as an editor saves
        assert wait_for(lambda: "saved-by-rename" in serve.page(page), 30)
        time.sleep(3)  # a rebuild set off by the build's own reading would have started by now
    assert len(re.findall(r"Detected file changes", serve.output)) == 1, serve.output
    assert "Traceback" not in serve.output, serve.output


def test_the_plugin_moves_only_the_records_folder(tmp_path, server):
    """The team file and the schema folder are small: MkDocs keeps polling them."""
    from plaincrm.project import Project
    from plaincrm.site.mkdocs_plugin import PlaincrmPlugin

    root = make_site_repo(tmp_path / "repo")
    plugin = PlaincrmPlugin()
    plugin.project = Project(root)
    plugin.on_serve(server, config=None, builder=None)
    try:
        stopped = {Path(e.watch.path).name for e in server.observer.emitters if e.stopped_event.is_set()}
        assert stopped == {"customers"}
    finally:
        plugin.kernel_watch.stop()
