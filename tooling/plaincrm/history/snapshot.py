"""The repository as it was at a date or a revision: the field guides' archive labels (tags such
as 2024Q1), `--as-of` reports and `crm diff` read records from here.

The records and the team file of that commit are extracted (once per commit) into
`.cache/plaincrm/snapshots/<sha>/`, so every engine module reads them as it reads the working tree.
They are judged with today's schema (the working tree's `schema/`): importing a revision's
schema runs its Python, and a branch under review must not run code on the reviewer's machine.
Only when told to trust the revision is its own schema, extracted beside the records, imported.
Only regular files are extracted, each as git holds it up to the size limit plus one byte, so a
link, a huge blob or a path leading out of the folder is refused as the working tree's would be.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..project import Project
from .gitlog import GitError, commit_before, git, read_blobs, resolve, tree_files

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNTRUSTED_NOTE = (
    "read with today's schema, not the revision's own (its code is not run): fields it lacks or has "
    "extra are reported as problems; --trust-revision uses its schema"
)


@dataclass(frozen=True)
class Snapshot:
    project: Project  # reads the records as they were
    sha: str
    day: date  # "today" for reports on it: the date asked for, or the commit's date


def at(project: Project, when: str, *, trust_revision: bool = False) -> Snapshot:
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
    return Snapshot(project_at(project, sha, trust_revision=trust_revision), sha, day)


def project_at(project: Project, sha: str, *, trust_revision: bool = False) -> Project:
    """The commit's records as a project: with today's schema, or its own when `trust_revision`
    (today's too when the commit is older than the team's schema)."""
    folder = extract(project, sha)
    own = trust_revision and (folder / "schema" / "__init__.py").is_file()
    return Project(folder, schema_root=None if own else project.schema_dir.parent)


def extract(project: Project, sha: str) -> Path:
    """The commit's records, team file and schema files in a folder of their own (made once per commit)."""
    folder = project.root / ".cache" / "plaincrm" / "snapshots" / sha
    if folder.is_dir():
        return folder
    files: dict[str, str] = {}
    for wanted in (project.relative(project.customers_dir), project.relative(project.team_file), "schema"):
        files.update(tree_files(project.root, sha, wanted))
    blobs = read_blobs(project.root, files.values(), project.limits.max_file_bytes)
    partial = folder.with_name(f"{sha}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for path, blob in files.items():
        if ".." in path.split("/"):
            continue  # git refuses such a path; a hand-made tree could still hold one
        target = partial.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blobs.get(blob, b""))
    (partial / project.relative(project.customers_dir)).mkdir(parents=True, exist_ok=True)
    try:
        os.rename(partial, folder)
    except OSError:  # another process made it meanwhile
        shutil.rmtree(partial, ignore_errors=True)
    return folder
