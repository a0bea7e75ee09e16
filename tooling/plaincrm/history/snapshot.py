"""The repository as it was at a date or a revision: the field guides' archive labels (tags such
as 2024Q1) and `--as-of` reports read records from here.

The records, the team file and the schema of that commit are extracted (once per commit) into
`.cache/plaincrm/snapshots/<sha>/`, so every engine module reads them as it reads the working tree.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..project import Project
from .gitlog import GitError, commit_before, git, resolve, tree_files

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Snapshot:
    project: Project  # reads the records as they were
    sha: str
    day: date  # "today" for reports on it: the date asked for, or the commit's date


def at(project: Project, when: str) -> Snapshot:
    """The records as of `when`: a date (YYYY-MM-DD: the last commit of the main line on or before
    that day) or any revision git knows (a tag such as 2024Q1, a branch, a sha)."""
    root = project.root
    if _DAY.match(when):
        day = date.fromisoformat(when)
        sha = commit_before(root, when)
        if sha is None:
            raise GitError(f"no commit on or before {when}")
    else:
        sha = resolve(root, when)
        stamp = git(root, "show", "-s", "--format=%cI", sha).decode().strip()
        day = datetime.fromisoformat(stamp).date()
    return Snapshot(Project(extract(project, sha)), sha, day)


def extract(project: Project, sha: str) -> Path:
    """The commit's records, team file and schema in a folder of their own (made once per commit)."""
    folder = project.root / ".cache" / "plaincrm" / "snapshots" / sha
    if folder.is_dir():
        return folder
    wanted = [project.relative(project.customers_dir), project.relative(project.team_file), "schema"]
    present = [path for path in wanted if tree_files(project.root, sha, path)]
    partial = folder.with_name(f"{sha}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if present:
        archive = git(project.root, "archive", "--format=tar", sha, "--", *present)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(partial, filter="data")
    if "schema" not in present:  # older than the team's own schema: read it with today's
        shutil.copytree(project.root / "schema", partial / "schema", ignore=shutil.ignore_patterns("__pycache__"))
    (partial / project.relative(project.customers_dir)).mkdir(parents=True, exist_ok=True)
    try:
        os.rename(partial, folder)
    except OSError:  # another process made it meanwhile
        shutil.rmtree(partial, ignore_errors=True)
    return folder
