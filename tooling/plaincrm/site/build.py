"""The site pipeline in one place: records -> dataset -> masked -> views -> pages."""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

from ..audience import audience_of, restrict
from ..dataset import load_dataset
from ..gcpause import gc_paused
from ..history.audit import read_history
from ..history.snapshot import at
from ..project import Project
from ..views import derive
from .i18n import text
from .pages import Site, SiteOptions, build_site

log = logging.getLogger("mkdocs.plugins.plaincrm")
VIEWS = ("views",)  # the whole views, kept in the carried pieces for the next build (`views.derive`'s `before`)


def build_for_site(
    root: Path,
    *,
    today: date | None,
    lang: str = "en",
    masked: bool = True,
    repo_url: str | None = None,
    branch: str = "main",
    directory_urls: bool = False,
    site_url: str | None = None,
    memo: dict | None = None,
    carry_before: dict | None = None,
    bytecode_cache=None,
    history: bool = True,
    as_of: str | None = None,
    trust_revision: bool = False,
    audience: str | None = None,
    shared: dict | None = None,
    pdfs: bool = True,
) -> tuple[Project, Site]:
    """Load and validate the records (ProblemError if any problem) and generate every page.
    `as_of` (a date or a revision such as the tag 2024Q1) builds from the records as they were then;
    `today` then defaults to that date, else to the build date. The old records are read with today's
    schema; `trust_revision` imports that revision's own (its Python runs).
    `audience` (a member's handle, or "all") builds the site that reader may read (`audience.restrict`);
    `shared`, kept by a caller building several audiences, holds the loaded, validated, derived views
    between them, so that only the pages are made again (UnknownAudience when no such reader)."""
    project = history_project = Project(root)
    revision = shown_as_of = None
    if as_of:
        snapshot = at(project, as_of, trust_revision=trust_revision)  # GitError when there is no such point
        project, revision, today = snapshot.project, snapshot.sha, today or snapshot.day
        shown_as_of = f"{as_of} ({revision[:12]})"
        log.info(f"plaincrm: records as of {as_of} (commit {revision[:12]}), today {today}")
    today = today or date.today()
    started = time.perf_counter()
    with gc_paused():
        key = (str(project.root), project.fingerprint, today, masked, history, revision)
        if shared is not None and shared.get("key") == key:
            dataset, audit, views = shared["dataset"], shared["audit"], shared["views"]
            loaded = read = derived = time.perf_counter()
        else:
            dataset = load_dataset(  # masked once, at the boundary: nothing downstream sees a phone
                project,
                masked=masked,
                memo=memo if memo is not None else {},  # a memo: `comparison` reuses it
            )
            loaded = time.perf_counter()
            before = (carry_before or {}).get(VIEWS)
            audit = (
                read_history(history_project, revision=revision, before=before.history if before else None)
                if history
                else None
            )
            read = time.perf_counter()
            if audit is not None and audit.message:
                log.info(f"plaincrm: {audit.message}")
            views = derive(dataset, today, audit, before)
            derived = time.perf_counter()
            if shared is not None:
                shared.clear()
                shared.update(key=key, dataset=dataset, audit=audit, views=views)
        if audience is not None:
            reader = audience_of(project.settings.audiences, dataset.team, audience)
            views = restrict(views, reader, text("another_team_customer", lang))
        options = SiteOptions(
            today=today,
            lang=lang,
            repo_url=repo_url,
            branch=branch,
            directory_urls=directory_urls,
            site_url=site_url,
            as_of=shown_as_of,
            pdfs=pdfs,
        )
        if shared is not None:  # what one audience's site rendered, the next reuses where it shows the same
            carry_before = shared.setdefault("carry", {})
        site = build_site(views, options, carry_before, bytecode_cache)
        site.carry[VIEWS] = views.whole or views  # the next build under `mkdocs serve` reuses what did not change
        if shared is not None:
            shared["carry"].update(site.carry)
    log.info(
        f"plaincrm: {len(dataset.customers)} customers loaded in {loaded - started:.2f} s, "
        f"history read in {read - loaded:.2f} s, views derived in {derived - read:.2f} s, pages generated in {time.perf_counter() - derived:.2f} s"
    )
    return project, site
