"""The site pipeline in one place: records -> dataset -> masked -> views -> pages."""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

from ..dataset import load_dataset
from ..gcpause import gc_paused
from ..project import Project
from ..views import derive
from .pages import Site, SiteOptions, build_site

log = logging.getLogger("mkdocs.plugins.plaincrm")


def build_for_site(
    root: Path, *, today: date, lang: str = "en", masked: bool = True, repo_url: str | None = None,
    branch: str = "main", directory_urls: bool = False, memo: dict | None = None, carry_before: dict | None = None,
    bytecode_cache=None,
) -> tuple[Project, Site]:
    """Load and validate the records (ProblemError if any problem) and generate every page."""
    project = Project(root)
    started = time.perf_counter()
    with gc_paused():
        dataset = load_dataset(project, masked=masked, memo=memo)  # masked once, at the boundary: nothing downstream sees a phone
        loaded = time.perf_counter()
        views = derive(dataset, today)
        derived = time.perf_counter()
        options = SiteOptions(today=today, lang=lang, repo_url=repo_url, branch=branch, directory_urls=directory_urls)
        site = build_site(views, options, carry_before, bytecode_cache)
    log.info(
        f"plaincrm: {len(dataset.customers)} customers loaded in {loaded - started:.2f} s, "
        f"views derived in {derived - loaded:.2f} s, pages generated in {time.perf_counter() - derived:.2f} s"
    )
    return project, site
