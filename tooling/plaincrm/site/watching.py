"""How `mkdocs serve` hears of an edit to a record: from the kernel (inotify) where it can.

MkDocs' live-reload server polls each watched folder every 0.5 s (watchdog's PollingObserver).
For 10,000 record files one poll lists and stats them all (~0.1 s, holding the interpreter lock,
so a rebuild running meanwhile is slowed by a fifth), and a saved edit waits 0.25 s on average
before it is seen. So the records' folder is watched by inotify instead: the polling emitter
MkDocs scheduled for it is stopped, and an inotify observer hands each change to that emitter's
queue (`EventEmitter.queue_event`, watchdog's public API), where MkDocs' own handler starts the
rebuild as before. Opening or reading a file is no change (every build reads every record): only
writes, creations, deletions and moves are passed on (a subfolder moved out whole as a deletion, which
is what polling said). The small team file and schema folder keep MkDocs' polling. Without inotify
(macOS, Windows) or with its limits reached, nothing changes. A records folder replaced whole (moved
away and another moved in) is not followed: restart the server.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.plugins.plaincrm")


def watch_by_kernel(server: Any, folder: Path) -> Any | None:
    """Move the watch MkDocs' `server` has on `folder` (after `server.watch(folder)`) to inotify.
    Returns the running observer (stop it on shutdown), or None where polling stays."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        from watchdog.events import (
            DirDeletedEvent,
            DirMovedEvent,
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileSystemEventHandler,
        )
        from watchdog.observers.inotify import InotifyObserver
        from watchdog.observers.polling import PollingObserver
    except Exception:  # watchdog raises errors of its own where the libc has no inotify
        return None
    observer = getattr(server, "observer", None)
    if not isinstance(observer, PollingObserver):
        return None  # a server that already watches otherwise
    path = os.path.abspath(folder)
    polling = [emitter for emitter in observer.emitters if emitter.watch.path == path]
    if len(polling) != 1:
        return None

    class Forward(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.is_directory:  # a subfolder moved out or deleted whole: inotify says it of the folder
                event = FileDeletedEvent(event.src_path)  # alone, MkDocs' handler hears only files
            polling[0].queue_event(event)

    changes = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent]
    kernel = None
    try:
        kernel = InotifyObserver()  # inotify_init: max_user_instances may be reached
        kernel.schedule(
            Forward(), os.path.realpath(path), recursive=True, event_filter=[*changes, DirDeletedEvent, DirMovedEvent]
        )
        kernel.start()
    except OSError as error:  # inotify's limits (max_user_watches, max_user_instances)
        if kernel is not None:
            kernel.stop()
        log.info(f"plaincrm: the records are polled for changes (inotify: {error})")
        return None
    polling[0].stop()  # before the server starts it: its thread then ends at once
    log.debug(f"plaincrm: {path} watched by inotify")
    return kernel
