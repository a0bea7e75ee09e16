"""`crm diff`: what a pull request changes, in the words of the audit trail, plus the derived
effects a reviewer cares about (a customer changing tier, follow-ups becoming overdue).

Two sides are compared: a revision (extracted with `snapshot`, read with today's schema) and a
revision or the working tree. Records are paired by id; an id that changed inside a file is an
error, because ids are stable and links, history and reports depend on them.

Everything is said in the language of the `ChangeWords` given (`--lang`): the changes by them, the
review's own words from the site's i18n table. Every text from a record, a commit or a revision name is untrusted: the terminal shows its control
characters escaped, and Markdown (a pull request's job summary) shows it as code, where no link,
image, heading, HTML or @mention can start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..escaping import markdown_code, terminal_safe
from ..history.changes import Change, ChangeWords
from ..history.gitlog import GitError, git
from ..loading import parse_text, read_bounded
from ..modelkit import MERGED_FIELD
from ..problems import ProblemError
from ..project import Project
from ..show import Paint, plain
from ..site.i18n import text as _text


@dataclass
class RecordChange:
    id: str
    kind: str  # added | removed | renamed | changed | merged | id-changed
    name: str
    changes: list[Change] = field(default_factory=list)
    path: str = ""
    old_path: str = ""


@dataclass
class Comparison:
    base: str  # what the two sides are, in words
    head: str
    records: list[RecordChange]
    effects: list[str]  # derived: tier moves, follow-ups becoming overdue
    errors: list[str]  # id changes: the pull request must not be merged so
    words: ChangeWords  # the language everything is said in
    notes: list[str] = field(default_factory=list)

    def say(self, key: str, **fields) -> str:
        return say(self.words.lang, key, **fields)

    def text(self, paint: Paint = plain) -> str:
        """For the terminal: every line terminal-safe, then painted by `paint` (show.Paint): the title and
        the effects heading as headings, added records green, removed red, errors red."""
        say, colon = self.say, "：" if self.words.lang == "zh" else ": "
        styles = {"added": "added", "removed": "removed", "id-changed": "error"}
        out = [paint("heading", terminal_safe(say("title", base=self.base, head=self.head)))]
        if not self.records:
            out.append(terminal_safe(f"  {say('nothing')}"))
        for change in self.records:
            headline = terminal_safe(f"  {self._headline(change)}")
            out.append(paint(styles[change.kind], headline) if change.kind in styles else headline)
            out.extend(terminal_safe(f"      {line}") for line in self.words.lines(change.changes))
        if self.effects:
            out.append(paint("heading", terminal_safe(say("effects") + colon.rstrip())))
            out.extend(terminal_safe(f"  {line}") for line in self.effects)
        out += [paint("error", terminal_safe(say("error") + colon + line)) for line in self.errors]
        out += [terminal_safe(say("note") + colon + line) for line in self.notes]
        return "".join(line + "\n" for line in out)

    def data(self) -> dict[str, Any]:
        """`crm diff --format json`: {base, head, records: [{id, kind, name, path, old_path, changes}],
        effects, errors, notes}; `kind` one of id-changed, added, removed, merged, renamed, changed; each
        change as `change_data` gives it, `old_path` only for a record whose file moved; effects, errors and
        notes as sentences in the review's language."""
        return {
            "base": self.base,
            "head": self.head,
            "records": [
                {
                    "id": change.id,
                    "kind": change.kind,
                    "name": change.name,
                    "path": change.path,
                    "old_path": change.old_path if change.old_path not in ("", change.path) else None,
                    "changes": [change_data(self.words, c) for c in change.changes],
                }
                for change in self.records
            ],
            "effects": list(self.effects),
            "errors": list(self.errors),
            "notes": list(self.notes),
        }

    def markdown(self) -> str:
        md, say = markdown_code, self.say
        counts: dict[str, int] = {}
        for change in self.records:
            counts[change.kind] = counts.get(change.kind, 0) + 1
        summary = ", ".join(say("count", n=n, kind=say(kind)) for kind, n in counts.items()) or say("nothing")
        out = [say("heading", summary=summary), "", say("from_to", base=md(self.base), head=md(self.head)), ""]
        for change in self.records:
            out.append(f"- {md(self._headline(change))}")
            out.extend(f"  - {md(line)}" for line in self.words.lines(change.changes))
        if self.effects:
            out += ["", f"**{say('effects')}**", ""] + [f"- {md(line)}" for line in self.effects]
        if self.errors:
            out += ["", f"**{say('errors')}**", ""] + [f"- :x: {md(line)}" for line in self.errors]
        if self.notes:
            out += [""] + [f"> {md(line)}" for line in self.notes]
        return "\n".join(out) + "\n"

    def _headline(self, change: RecordChange) -> str:
        if change.kind == "renamed":
            what = self.say("renamed_to", old=change.old_path, new=change.path)
        else:
            what = self.say(change.kind)
        return f"{change.id} {change.name}{'：' if self.words.lang == 'zh' else ': '}{what}"


def change_data(words: ChangeWords, change: Change | str) -> dict[str, Any]:
    """The one JSON shape of a change, for `crm diff` and `crm history`: {kind, field, where, …, text}.
    `field` is the changed field's path of keys ("contacts.phone"), `where` the item of each list on
    that path by its first value ({"contacts": "张经理"}); then what the kind carries: `old`/`new` (set,
    removed, changed, file renamed or copied), `masked`, `added`/`removed` (a list of values), `item` (a
    list item added or removed, by its first fields), `target` (merged); `text` is the change as the text
    output says it. Values are as shown: masked, redacted, long texts shortened."""
    if isinstance(change, str):
        return {"kind": "text", "text": change}
    kind, args = change[0], change[1:]
    out: dict[str, Any] = {"kind": kind}
    if kind in ("set", "removed", "rewritten", "changed", "list", "item_added", "item_removed"):
        name = args[0]
        out["field"] = ".".join(step if isinstance(step, str) else step[0] for step in name)
        out["where"] = {step[0]: step[1] for step in name if not isinstance(step, str)}
        if kind == "set":
            out["new"] = args[1]
        elif kind == "removed":
            out["old"] = args[1]
        elif kind == "changed":
            out["old"], out["new"], out["masked"] = args[1], args[2], bool(args[3])
        elif kind == "list":
            out["added"], out["removed"] = list(args[1]), list(args[2])
        elif kind in ("item_added", "item_removed"):
            out["item"] = {key or "value": value for key, value in args[1]}
    elif kind == "file":
        out["kind"], out["old"], out["new"] = args[0], args[1], args[2]
    elif kind == "merged":
        out["target"] = args[0]
    out["text"] = words.line(change)
    return out


def say(lang: str, key: str, **fields) -> str:
    """A word of `crm diff` in `lang` (the site's i18n table, keys `diff.*`)."""
    return _text(f"diff.{key}", lang).format(**fields)


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
    lang = words.lang
    changes: list[RecordChange] = []
    errors: list[str] = []
    gone = {i: old.records[i] for i in old.records if i not in new.records}
    came = {i: new.records[i] for i in new.records if i not in old.records}
    old_by_path = {path: record_id for record_id, (path, _) in gone.items()}
    for record_id, (path, data) in list(came.items()):
        before = old_by_path.get(path)
        if before is not None:  # the same file, another id
            errors.append(say(lang, "id_changed", path=path, old=before, new=record_id))
            changes.append(
                RecordChange(
                    record_id, "id-changed", _name(data), [("changed", ("id",), before, record_id, False)], path, path
                )
            )
            del gone[before], came[record_id]
    for record_id in sorted(set(old.records) & set(new.records)):
        (old_path, old_data), (new_path, new_data) = old.records[record_id], new.records[record_id]
        if old_data == new_data and old_path == new_path:
            continue
        found = words.changes(old_data, new_data)
        kind = "changed"
        if new_data.get(MERGED_FIELD) and not old_data.get(MERGED_FIELD):
            kind = "merged"
            target = ("merged", str(new_data[MERGED_FIELD]))
            found = [target] + [c for c in found if not (len(c) > 1 and c[1][:1] == (MERGED_FIELD,))]
        elif old_path != new_path:
            kind = "renamed"
        if found or kind != "changed":
            changes.append(RecordChange(record_id, kind, _name(new_data), found, new_path, old_path))
    changes += [RecordChange(i, "added", _name(d), [], p) for i, (p, d) in sorted(came.items())]
    changes += [RecordChange(i, "removed", _name(d), [], p) for i, (p, d) in sorted(gone.items())]
    order = {"id-changed": 0, "added": 1, "removed": 2, "merged": 3, "renamed": 4, "changed": 5}
    changes.sort(key=lambda c: (order[c.kind], c.id))
    effects, notes = _effects(old, new, today, lang)
    return Comparison(old.label, new.label, changes, effects, errors, words, notes)


SHOWN_PROBLEMS = 10  # a side's validation problems named in the notes


def _name(data: dict) -> str:
    name = data.get("name")
    return str(name) if name is not None else ""


def _effects(old: Side, new: Side, today: date, lang: str) -> tuple[list[str], list[str]]:
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
                say(lang, "invalid", side=side.label, n=len(error.problems)),
                *shown,
                *([say(lang, "more", n=more)] if more > 0 else []),
            ]
    before, after = views
    options = before.dataset.project.options

    def label(value: str) -> str:
        return options["tier"].label(value, lang) if "tier" in options else value

    effects = []
    for record_id in sorted(set(before.customers) & set(after.customers)):
        was, now = before.customers[record_id].tier.name, after.customers[record_id].tier.name
        if was != now:
            effects.append(say(lang, "moves", id=record_id, old=label(was), new=label(now)))

    def overdue(views) -> set[str]:
        return {r.key for r in reminders(views) if r.kind == "follow_up" and r.overdue(today)}

    became, cleared = overdue(after) - overdue(before), overdue(before) - overdue(after)
    if became:
        effects.append(say(lang, "overdue_many" if len(became) > 1 else "overdue_one", n=len(became)))
    if cleared:
        effects.append(say(lang, "cleared_many" if len(cleared) > 1 else "cleared_one", n=len(cleared)))
    return effects, []


def _views(project: Project, today: date):
    from ..dataset import load_dataset
    from ..views import derive

    return derive(load_dataset(project, masked=True), today)
