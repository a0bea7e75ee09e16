"""`crm diff`: what a pull request changes, in the words of the audit trail, plus the derived
effects a reviewer cares about (a customer changing tier, follow-ups becoming overdue).

Two sides are compared: a revision (extracted with `snapshot`, read with today's schema) and a
revision or the working tree. Records are paired by id; an id that changed inside a file is an
error, because ids are stable and links, history and reports depend on them.

Every text from a record, a commit or a revision name is untrusted: the terminal shows its control
characters escaped, and Markdown (a pull request's job summary) shows it as code, where no link,
image, heading, HTML or @mention can start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..escaping import markdown_code, terminal_safe
from ..history.changes import ChangeWords
from ..history.gitlog import GitError, git
from ..loading import parse_text, read_bounded
from ..modelkit import MERGED_FIELD
from ..problems import ProblemError
from ..project import Project


@dataclass
class RecordChange:
    id: str
    kind: str  # added | removed | renamed | changed | merged | id-changed
    name: str
    lines: list[str] = field(default_factory=list)
    path: str = ""
    old_path: str = ""


@dataclass
class Comparison:
    base: str  # what the two sides are, in words
    head: str
    records: list[RecordChange]
    effects: list[str]  # derived: tier moves, follow-ups becoming overdue
    errors: list[str]  # id changes: the pull request must not be merged so
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        out = [f"Changes from {self.base} to {self.head}:"]
        if not self.records:
            out.append("  no record changed")
        for change in self.records:
            out.append(f"  {_headline(change)}")
            out.extend(f"      {line}" for line in change.lines)
        if self.effects:
            out.append("Effects:")
            out.extend(f"  {line}" for line in self.effects)
        out += [f"error: {line}" for line in self.errors] + [f"note: {line}" for line in self.notes]
        return "".join(terminal_safe(line) + "\n" for line in out)

    def markdown(self) -> str:
        md = markdown_code
        counts: dict[str, int] = {}
        for change in self.records:
            counts[change.kind] = counts.get(change.kind, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "no record changed"
        out = [f"### Customer records: {summary}", "", f"From {md(self.base)} to {md(self.head)}.", ""]
        for change in self.records:
            out.append(f"- {md(_headline(change))}")
            out.extend(f"  - {md(line)}" for line in change.lines)
        if self.effects:
            out += ["", "**Effects**", ""] + [f"- {md(line)}" for line in self.effects]
        if self.errors:
            out += ["", "**Errors**", ""] + [f"- :x: {md(line)}" for line in self.errors]
        if self.notes:
            out += [""] + [f"> {md(line)}" for line in self.notes]
        return "\n".join(out) + "\n"


def _headline(change: RecordChange) -> str:
    if change.kind == "renamed":
        return f"{change.id} {change.name}: renamed {change.old_path} → {change.path}"
    return f"{change.id} {change.name}: {change.kind}"


# --- reading a side -------------------------------------------------------------------------


@dataclass
class Side:
    label: str
    project: Project  # where its records are (the working tree, or a snapshot)
    records: dict[str, tuple[str, dict]]  # id -> (path relative to the root, plain data)


def read_side(project: Project, label: str) -> Side:
    """Every record file's plain data by id (the file stem when the id is unreadable)."""
    records: dict[str, tuple[str, dict]] = {}
    for path in project.customer_files():
        relative = project.relative(path)
        try:
            text = read_bounded(path, relative, project.limits.max_file_bytes).decode("utf-8")
            data = parse_text(text, relative, project.limits).data
        except (ProblemError, UnicodeDecodeError):
            data = {}
        given = data.get("id")
        record_id = given if isinstance(given, str) else path.stem
        records[record_id] = (relative, data)
    return Side(label, project, records)


def default_base(root: Path) -> str:
    """The merge base with the main branch (local, else origin's), as a pull request's diff has it."""
    for main in ("main", "origin/main", "master", "origin/master"):
        try:
            return git(root, "merge-base", main, "HEAD").decode().strip()
        except GitError:
            continue
    raise GitError("no main branch to compare with: name a revision (crm diff REV)")


# --- comparing ------------------------------------------------------------------------------


def compare(old: Side, new: Side, *, today: date, words: ChangeWords) -> Comparison:
    changes: list[RecordChange] = []
    errors: list[str] = []
    gone = {i: old.records[i] for i in old.records if i not in new.records}
    came = {i: new.records[i] for i in new.records if i not in old.records}
    old_by_path = {path: record_id for record_id, (path, _) in gone.items()}
    for record_id, (path, data) in list(came.items()):
        before = old_by_path.get(path)
        if before is not None:  # the same file, another id
            errors.append(
                f"{path}: the id changed from {before} to {record_id}; ids are stable "
                "(rename a customer with its name field; merge duplicates with crm merge)"
            )
            changes.append(
                RecordChange(record_id, "id-changed", _name(data), [f"id: {before} → {record_id}"], path, path)
            )
            del gone[before], came[record_id]
    for record_id in sorted(set(old.records) & set(new.records)):
        (old_path, old_data), (new_path, new_data) = old.records[record_id], new.records[record_id]
        if old_data == new_data and old_path == new_path:
            continue
        lines = words.record(old_data, new_data)
        kind = "changed"
        if new_data.get(MERGED_FIELD) and not old_data.get(MERGED_FIELD):
            kind = "merged"
            lines = [f"merged into {new_data[MERGED_FIELD]}"] + [
                line for line in lines if not line.startswith(MERGED_FIELD)
            ]
        elif old_path != new_path:
            kind = "renamed"
        if lines or kind != "changed":
            changes.append(RecordChange(record_id, kind, _name(new_data), lines, new_path, old_path))
    changes += [RecordChange(i, "added", _name(d), [], p) for i, (p, d) in sorted(came.items())]
    changes += [RecordChange(i, "removed", _name(d), [], p) for i, (p, d) in sorted(gone.items())]
    order = {"id-changed": 0, "added": 1, "removed": 2, "merged": 3, "renamed": 4, "changed": 5}
    changes.sort(key=lambda c: (order[c.kind], c.id))
    effects, notes = _effects(old, new, today)
    return Comparison(old.label, new.label, changes, effects, errors, notes)


SHOWN_PROBLEMS = 10  # a side's validation problems named in the notes


def _name(data: dict) -> str:
    name = data.get("name")
    return str(name) if name is not None else ""


def _effects(old: Side, new: Side, today: date) -> tuple[list[str], list[str]]:
    """Tier moves and follow-ups that become (or stop being) overdue, both sides judged for `today`."""
    from ..reminders import reminders

    views = []
    for side in (old, new):
        try:
            views.append(_views(side.project, today))
        except ProblemError as error:
            shown = [f"{side.label}: {problem}" for problem in error.problems[:SHOWN_PROBLEMS]]
            more = len(error.problems) - len(shown)
            return [], [
                f"{side.label} has {len(error.problems)} validation problem(s) under today's schema (fields "
                "its records lack or have extra, or errors): derived effects not computed",
                *shown,
                *([f"… and {more} more (crm validate)"] if more > 0 else []),
            ]
    before, after = views
    label = before.dataset.project.options["tier"].label if "tier" in before.dataset.project.options else (lambda v: v)
    effects = []
    for record_id in sorted(set(before.customers) & set(after.customers)):
        was, now = before.customers[record_id].tier.name, after.customers[record_id].tier.name
        if was != now:
            effects.append(f"moves {record_id} from {label(was)} to {label(now)}")

    def overdue(views) -> set[str]:
        return {r.key for r in reminders(views) if r.kind == "follow_up" and r.overdue(today)}

    became, cleared = overdue(after) - overdue(before), overdue(before) - overdue(after)
    if became:
        effects.append(f"{len(became)} follow-ups become overdue" if len(became) > 1 else "1 follow-up becomes overdue")
    if cleared:
        effects.append(
            f"{len(cleared)} overdue follow-ups cleared" if len(cleared) > 1 else "1 overdue follow-up cleared"
        )
    return effects, []


def _views(project: Project, today: date):
    from ..dataset import load_dataset
    from ..views import derive

    return derive(load_dataset(project, masked=True), today)
