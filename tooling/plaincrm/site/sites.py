"""`make sites` / `crm sites`: one MkDocs site per audience (every member whose role reads customers,
and "all"), into OUT/<handle>/ and OUT/all/, in one process.

The records are loaded, validated, their history read and the views derived once (the plugin's
`shared`); each audience then only makes its own pages (`audience.restrict`) and MkDocs writes them,
reusing what an earlier audience's site rendered the same (customer rows, report downloads). Readers
who read exactly the same (the managers, the admin and "all") share one build, hard-linked. After
the first site, the others are built on every core, in forked workers that inherit what it loaded.
A site is built into a fresh folder beside its target and swapped in, so a web server serving OUT
never shows half a site, and a member who left loses their folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from ..access import ALL
from ..audience import every_audience
from ..dataset import load_team
from ..parallel import map_chunks
from ..project import Project

log = logging.getLogger("mkdocs.plugins.plaincrm")
SITE_SECONDS = 1.0  # one reader's site once the first is built, as `parallel` counts it: forked on every core


def build_sites(config_file: Path, out: Path, only: list[str] | None = None) -> list[tuple[str, float]]:
    """Build every audience's site (or those in `only`); returns (audience, seconds) per site."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = config_file.resolve()
    root = config_file.parent
    project = Project(root)
    audiences = every_audience(project.settings.audiences, load_team(project).members)
    names = [a.name for a in audiences]
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"no such audience: {', '.join(unknown)} (readers: {', '.join(names)})")
        audiences = [a for a in audiences if a.name in only]
    out.mkdir(parents=True, exist_ok=True)
    shared: dict = {}
    fresh = {a.name: out / f".{a.name}.new" for a in audiences}
    twin: dict[str, str] = {}  # a reader who reads what an earlier one does (every manager: all) -> that one
    first_of: dict[tuple, str] = {}
    for audience in audiences:
        same = (audience.owners, audience.rule.model_dump_json())
        twin[audience.name] = first_of.setdefault(same, audience.name)
    builds = [a.name for a in audiences if twin[a.name] == a.name]

    def build_one(name: str) -> tuple[str, float]:
        started = time.perf_counter()
        shutil.rmtree(fresh[name], ignore_errors=True)
        config = load_config(str(config_file), site_dir=str(fresh[name]))
        plugin = config.plugins["plaincrm"]
        plugin.config.audience = name
        plugin.shared = shared  # type: ignore[attr-defined]  # read by the plugin's hooks
        build(config)
        log.info(f"plaincrm: site for {name} in {time.perf_counter() - started:.2f} s")
        return name, time.perf_counter() - started

    timings = []
    try:
        if builds:  # the first loads everything into `shared`; the others, forked, inherit it
            timings.append(build_one(builds[0]))
            timings += map_chunks(lambda names: [build_one(n) for n in names], builds[1:], seconds_each=SITE_SECONDS)
        for audience in audiences:
            if twin[audience.name] != audience.name:
                started = time.perf_counter()
                shutil.rmtree(fresh[audience.name], ignore_errors=True)
                shutil.copytree(fresh[twin[audience.name]], fresh[audience.name], copy_function=_link)
                timings.append((audience.name, time.perf_counter() - started))
        for name, folder in fresh.items():  # pages link across the new folders: all are swapped in at the end
            _swap(folder, out / name)
    finally:
        for folder in fresh.values():
            shutil.rmtree(folder, ignore_errors=True)
    order = {a.name: i for i, a in enumerate(audiences)}
    timings.sort(key=lambda pair: order[pair[0]])
    if not only:
        for stale in out.iterdir():  # a member who left, or whose role reads nothing now
            if stale.is_dir() and not stale.is_symlink() and stale.name not in names and not stale.name.startswith("."):
                shutil.rmtree(stale)
    return timings


def _link(source: str, target: str) -> None:
    """A file of an identical site: a hard link (no copy, and not a symbolic link a server would refuse)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap(fresh: Path, target: Path) -> None:
    """Put `fresh` where `target` is, the old one removed after (a rename each: never half a site)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.rename(target, old)
    os.rename(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["ALL", "build_sites"]
