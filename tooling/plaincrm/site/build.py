"""The site pipeline in one place: records -> dataset -> masked -> views -> pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..dataset import load_dataset
from ..privacy import Masker
from ..project import Project
from ..views import derive
from .pages import Site, SiteOptions, build_site


def build_for_site(
    root: Path, *, today: date, lang: str = "en", masked: bool = True, repo_url: str | None = None,
    branch: str = "main", directory_urls: bool = False,
) -> tuple[Project, Site]:
    """Load and validate the records (ProblemError if any problem) and generate every page."""
    project = Project(root)
    dataset = load_dataset(project)
    if masked:  # once, at the boundary: nothing downstream sees a whole phone number
        masker = Masker()
        dataset = dataset.replace_customers({cid: masker.mask(c) for cid, c in dataset.customers.items()})
    views = derive(dataset, today)
    options = SiteOptions(today=today, lang=lang, repo_url=repo_url, branch=branch, directory_urls=directory_urls)
    return project, build_site(views, options)
