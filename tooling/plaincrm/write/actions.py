"""Every change to a customer, one call each: the only way front ends (the CLI, the issue forms,
an import, anything later) write records.

Each action reads what it needs, makes the new text, checks it as `crm validate` would (the
record gate: the record's own checks and its references to the team and other customers) and
writes it atomically, or writes nothing and returns the `Problem`s that stopped it. With
`dry_run` it checks and returns the change without writing, so a front end can show the diff.

The rules a person meets when writing live here once: a next step comes with its due date, a
new customer's defaults and first-contact date, which open case or pending step an answer
means, that an item already in a list is not added twice, that two records merged are both
checked before either is written, and that generated files follow the records they depend on.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..messages import Said, said
from ..problems import Problem
from ..project import Project
from .atomic import Batch, FileChanged, create_new_file, write_atomically
from .editing import (
    EditRefused,
    RecordGate,
    append_item,
    customer_model,
    edit_record,
    merge_records,
    parse_value,
    set_field,
)
from .items import same_item
from .scaffold import IdAllocator, new_record_text

REFUSED = "write.refused"


@dataclass(frozen=True)
class Change:
    """One file's new text; `before` is what it held (None: a new file)."""

    path: Path
    before: bytes | None
    after: str

    def diff(self, project: Project) -> str:
        """A unified diff of the change, as `git diff` would show it."""
        name = project.relative(self.path)
        old = [] if self.before is None else self.before.decode("utf-8", "replace").splitlines(keepends=True)
        return "".join(
            difflib.unified_diff(
                old,
                self.after.splitlines(keepends=True),
                "/dev/null" if self.before is None else f"a/{name}",
                f"b/{name}",
            )
        )


@dataclass(frozen=True)
class Outcome:
    """What an action did (`written`), or would do (`dry_run`), or why it did nothing (`problems`)."""

    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    written: bool = False
    record_id: str | None = None
    report: tuple[str, ...] = ()  # what the person should know beyond the diff (a merge's moved fields)

    @property
    def ok(self) -> bool:
        return not self.problems

    def diff(self, project: Project) -> str:
        return "".join(change.diff(project) for change in self.changes)


class Refused(Exception):
    """An action cannot go on; carries the problems, turned into the Outcome by `_action`."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))


def refusal(project: Project, record_id: str | None, field: str, message: str | Said) -> Refused:
    """A refusal that is not at a position in a file: it names the record's file (line 1). Said as a key
    of `messages.MESSAGES`, it is worded in the reader's language when shown."""
    file = project.relative(project.customer_file(record_id)) if record_id else project.layout.customers_dir
    if isinstance(message, Said):
        return Refused([Problem.of(file, 1, 1, field, message, REFUSED)])
    return Refused([Problem(file, 1, 1, field, message, REFUSED)])


# The items an answer can name, in Chinese (the guides' words).
NOUNS_ZH = {
    "service case": "服务工单",
    "next step": "下一步计划",
    "contact": "联系人",
    "order": "订单",
    "key date": "关键节点",
}
NEW_FIELDS_ZH = {"name": "客户名称", "kind": "客户类型", "owner": "跟进人"}


def _noun(noun: str) -> dict[str, str]:
    return {"noun": noun, "noun_zh": NOUNS_ZH.get(noun, noun)}


# --- the rules --------------------------------------------------------------------------------


def next_step(action: str | None, due: date | None, *, project: Project, record_id: str | None) -> dict | None:
    """A next step is an action and the day it is due, both or neither."""
    if bool(action) != bool(due):
        raise refusal(project, record_id, "next_step", said("write.next-step"))
    return {"action": action, "due": due} if action else None


def pick(
    project: Project,
    record_id: str,
    items: list,
    is_open: Callable[[Any], bool],
    which: int | None,
    noun: str,
    describe: Callable[[Any], str],
) -> int:
    """The index of the item meant: number `which` among the open ones (counted from 1, in file
    order), or the only open one. Several open and none named: refused, listing them numbered."""
    open_ones = [i for i, item in enumerate(items) if hasattr(item, "get") and is_open(item)]
    if which is not None:
        if not 1 <= which <= len(open_ones):
            raise refusal(
                project, record_id, noun, said("write.no-such-number", which=which, count=len(open_ones), **_noun(noun))
            )
        return open_ones[which - 1]
    if len(open_ones) == 1:
        return open_ones[0]
    if not open_ones:
        raise refusal(project, record_id, noun, said("write.none-open", record=record_id, **_noun(noun)))
    listed = "; ".join(f"{n}) {describe(items[i])}" for n, i in enumerate(open_ones, 1))
    raise refusal(
        project,
        record_id,
        noun,
        said("write.several-open", record=record_id, count=len(open_ones), listed=listed, **_noun(noun)),
    )


# --- writing ----------------------------------------------------------------------------------


def commit(
    project: Project,
    changes: list[Change],
    *,
    dry_run: bool = False,
    gate: RecordGate | None = None,
    record_id: str | None = None,
    report: tuple[str, ...] = (),
) -> Outcome:
    """Check every change, then write them in order (all checked before any is written), atomically,
    each only if its file still holds what was read. A new file is never written over one."""
    changes = [c for c in changes if c.before is None or c.before != c.after.encode("utf-8", "surrogatepass")]
    gate = gate or RecordGate(project)
    for change in changes:
        gate.ids.setdefault(change.path.stem, project.relative(change.path))
    problems = [p for change in changes for p in gate.problems(change.path, change.after)]
    if problems:
        return Outcome(tuple(changes), tuple(problems), record_id=record_id, report=report)
    if dry_run:
        return Outcome(tuple(changes), record_id=record_id, report=report)
    for change in changes:
        name = project.relative(change.path)
        try:
            if change.before is None:
                create_new_file(change.path, change.after)
            else:
                write_atomically(change.path, change.after.encode("utf-8"), expect=change.before)
        except FileExistsError:
            raise refusal(project, change.path.stem, "", said("write.appeared", file=name)) from None
        except FileChanged:
            raise refusal(project, change.path.stem, "", said("write.changed", file=name)) from None
    return Outcome(tuple(changes), written=True, record_id=record_id, report=report)


def commit_many(project: Project, changes: list[Change], *, gate: RecordGate, dry_run: bool = False) -> list[Outcome]:
    """Many records' changes (an import's chunk): each checked on its own and, when valid, written
    with the others in one flush to disk (`atomic.Batch`); one Outcome per change, in order. A file
    that appeared or changed meanwhile keeps its own and says so."""
    outcomes: list[Outcome] = []
    batch, staged = Batch(), []
    for change in changes:
        gate.ids.setdefault(change.path.stem, project.relative(change.path))
        problems = tuple(gate.problems(change.path, change.after))
        outcomes.append(Outcome((change,), problems, record_id=change.path.stem))
        if problems or dry_run:
            continue
        if change.before is None:
            batch.create(change.path, change.after)
        else:
            batch.replace(change.path, change.after.encode("utf-8"), expect=change.before)
        staged.append(len(outcomes) - 1)
    for index, error in zip(staged, batch.commit() if staged else []):
        change = changes[index]
        if error is None:
            outcomes[index] = Outcome((change,), written=True, record_id=change.path.stem)
        else:
            what = "appeared" if isinstance(error, FileExistsError) else "changed"
            outcomes[index] = Outcome(
                (change,),
                refusal(project, change.path.stem, "", said(f"write.{what}-batch", record=change.path.stem)).problems,
            )
    return outcomes


def _action(func):
    """Refusals (ours and the editing layer's) become an Outcome with problems; nothing is written."""
    import functools

    @functools.wraps(func)
    def run(project: Project, *args, **kwargs) -> Outcome:
        try:
            return func(project, *args, **kwargs)
        except Refused as refused:
            return Outcome(problems=refused.problems)
        except EditRefused as error:
            record = next((a for a in args if isinstance(a, str)), None)
            return Outcome(problems=tuple(error.problems) or refusal(project, record, "", str(error)).problems)

    return run


def _edit(
    project: Project,
    record_id: str,
    change: Callable[[Any], None],
    *,
    dry_run: bool,
    gate: RecordGate | None,
    report: tuple[str, ...] = (),
) -> Outcome:
    edit = edit_record(project, record_id, change)
    if not edit.changed:  # not a problem: what was asked for is there
        return Outcome(record_id=record_id, report=(f"{record_id} already says so; nothing to change",))
    return commit(
        project,
        [Change(edit.path, edit.before, edit.after)],
        dry_run=dry_run,
        gate=gate,
        record_id=record_id,
        report=report,
    )


def _add_item(
    project: Project,
    record_id: str,
    section: str,
    item: dict,
    noun: str,
    *,
    dry_run: bool,
    gate: RecordGate | None,
    then: Callable[[Any], None] | None = None,
) -> Outcome:
    """Append `item` to a list of the record, unless the list holds it already (`items.same_item`);
    `then` goes on with the item as written (a case's first step, a list of its own)."""
    item = {k: v for k, v in item.items() if v not in (None, "", [])}
    region = project.settings.phone_region

    def change(data: Any) -> None:
        model = customer_model(project, data)
        if model is not None and section not in model.model_fields:
            raise refusal(project, record_id, section, said("write.no-list", section=section))
        for old in data.get(section) or []:
            if hasattr(old, "get") and same_item(section, item, dict(old), region):
                raise refusal(project, record_id, section, said("write.already", record=record_id, **_noun(noun)))
        append_item(data, section, item)
        if then is not None:
            then(data[section][-1])

    return _edit(project, record_id, change, dry_run=dry_run, gate=gate)


# --- the actions ------------------------------------------------------------------------------


@_action
def create_customer(
    project: Project,
    fields: Mapping[str, Any],
    *,
    today: date,
    contacts: Iterable[dict] = (),
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """A new record with the next free id for `today` (first contact that day), the defaults of
    `scaffold.NEW_DEFAULTS` for what `fields` leaves out, and its contacts; the file is never written
    over another. CODEOWNERS follows (see `sync_generated`)."""
    fields = {k: v for k, v in fields.items() if v not in (None, "", [])}
    for required in ("name", "kind", "owner"):
        if not fields.get(required):
            raise refusal(
                project, None, required, said("write.new-needs", field=required, label=NEW_FIELDS_ZH[required])
            )
    if fields["kind"] not in project.customer_models:
        raise refusal(
            project,
            None,
            "kind",
            said("write.kind", kind=repr(fields["kind"]), kinds=", ".join(project.customer_models)),
        )
    record_id = IdAllocator(project, today).take()
    people = [dict(c) for c in contacts if any(c.values())]
    for person in people:
        person.setdefault("name", fields["name"])  # a number without a name: the customer's own
    text = new_record_text(project, record_id, fields, {"contacts": people}, first_contact=today)
    outcome = commit(
        project, [Change(project.customer_file(record_id), None, text)], dry_run=dry_run, gate=gate, record_id=record_id
    )
    return _with_generated(project, outcome)


@_action
def log_interaction(
    project: Project,
    record_id: str,
    *,
    day: date,
    channel: str,
    topic: str,
    summary: str,
    feedback: str | None = None,
    satisfaction: int | None = None,
    by: list[str] | None = None,
    next_action: str | None = None,
    due: date | None = None,
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """An interaction at the end of the record's log; its participants default to the owner."""
    step = next_step(next_action, due, project=project, record_id=record_id)
    interaction: dict[str, Any] = {
        "date": day,
        "channel": channel,
        "topic": topic,
        "summary": summary,
        "feedback": feedback,
        "satisfaction": satisfaction,
    }

    def change(data: Any) -> None:
        interaction["by"] = list(by or [data.get("owner")])
        if step:
            interaction["next_step"] = step
        append_item(data, "interactions", {k: v for k, v in interaction.items() if v not in (None, "")})

    return _edit(project, record_id, change, dry_run=dry_run, gate=gate)


@_action
def add_contact(
    project: Project,
    record_id: str,
    contact: Mapping[str, Any],
    *,
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """A contact person (决策关键人 and others); refused when one with the same phone or e-mail is there."""
    return _add_item(project, record_id, "contacts", dict(contact), "contact", dry_run=dry_run, gate=gate)


@_action
def add_order(
    project: Project, record_id: str, order: Mapping[str, Any], *, dry_run: bool = False, gate: RecordGate | None = None
) -> Outcome:
    """An order (交易记录): date, item, amount; currency, kind and status take the model's defaults."""
    return _add_item(project, record_id, "orders", dict(order), "order", dry_run=dry_run, gate=gate)


@_action
def add_key_date(
    project: Project,
    record_id: str,
    *,
    kind: str,
    day: date,
    note: str | None = None,
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """A key date (关键节点): a renewal, a birthday, a signing."""
    return _add_item(
        project,
        record_id,
        "key_dates",
        {"kind": kind, "date": day, "note": note},
        "key date",
        dry_run=dry_run,
        gate=gate,
    )


def case_step(
    action: str | None,
    *,
    day: date,
    result: str | None = None,
    by: str | None = None,
    project: Project,
    record_id: str | None,
) -> dict | None:
    """A step taken on a case (服务记录: 时间, 内容, 结果): a result is the result of a step, so it
    comes with what was done."""
    if result and not action:
        raise refusal(project, record_id, "steps", said("write.step-result"))
    if not action:
        return None
    day = date(day.year, day.month, day.day)  # its own object: the YAML writer anchors one object met twice
    return {k: v for k, v in {"date": day, "action": action, "result": result, "by": by}.items() if v not in (None, "")}


@_action
def open_case(
    project: Project,
    record_id: str,
    *,
    kind: str,
    summary: str,
    opened: date,
    status: str | None = None,
    handler: str | None = None,
    place: str | None = None,
    participants: Iterable[str] = (),
    step: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """A service case (服务工单: a consultation, a complaint, after-sales), open until resolved; who
    handles it, where, who takes part and its first step (服务记录) when known."""
    case = {"kind": kind, "opened": opened, "status": status, "summary": summary, "handler": handler, "place": place}
    case["participants"] = list(dict.fromkeys(participants))

    def first_step(written: Any) -> None:
        if step:
            append_item(written, "steps", dict(step))

    return _add_item(
        project, record_id, "service_cases", case, "service case", dry_run=dry_run, gate=gate, then=first_step
    )


CLOSED_CASE = ("resolved", "closed")


def _case_is_open(case: Any) -> bool:
    return case.get("status", "open") not in CLOSED_CASE


def _describe_case(case: Any) -> str:
    return f"{case.get('opened')} {case.get('kind')} {case.get('summary')}"


@_action
def update_case(
    project: Project,
    record_id: str,
    changes: Mapping[str, Any],
    *,
    which: int | None = None,
    participants: Iterable[str] = (),
    step: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """Change fields of an open case (its status, its resolution so far, its handler or place), add
    participants not yet listed and append a step taken (服务记录); `which` as `pick` counts."""

    def change(data: Any) -> None:
        cases = data.get("service_cases") or []
        case = cases[pick(project, record_id, cases, _case_is_open, which, "service case", _describe_case)]
        for name, value in changes.items():
            set_field(case, name, value)
        listed = list(case.get("participants") or [])
        added = [h for h in dict.fromkeys(participants) if h not in listed]
        if added:
            set_field(case, "participants", listed + added)
        if step:
            append_item(case, "steps", dict(step))

    return _edit(project, record_id, change, dry_run=dry_run, gate=gate)


@_action
def resolve_case(
    project: Project,
    record_id: str,
    *,
    resolved: date,
    resolution: str | None = None,
    status: str = "resolved",
    which: int | None = None,
    handler: str | None = None,
    place: str | None = None,
    participants: Iterable[str] = (),
    step: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """Close an open case with the day it was resolved and how (处理结果), and its final step when given."""
    if status not in CLOSED_CASE:
        raise refusal(project, record_id, "status", said("write.resolve-status"))
    changes = {"status": status, "resolved": resolved, "resolution": resolution}
    changes |= {name: value for name, value in (("handler", handler), ("place", place)) if value}
    return update_case.__wrapped__(
        project,
        record_id,
        changes,
        which=which,
        participants=participants,
        step=step,
        dry_run=dry_run,
        gate=gate,
    )


def _step_is_pending(interaction: Any) -> bool:
    step = interaction.get("next_step")
    return hasattr(step, "get") and step.get("status", "pending") == "pending"


@_action
def complete_step(
    project: Project,
    record_id: str,
    *,
    which: int | None = None,
    status: str = "done",
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """Mark a pending next step done (the reminders stop); `which` as `pick` counts."""

    def change(data: Any) -> None:
        log = data.get("interactions") or []
        chosen = log[
            pick(
                project,
                record_id,
                log,
                _step_is_pending,
                which,
                "next step",
                lambda i: f"{i['next_step'].get('due')} {i['next_step'].get('action')}",
            )
        ]
        chosen["next_step"]["status"] = status

    return _edit(project, record_id, change, dry_run=dry_run, gate=gate)


@_action
def set_fields(
    project: Project,
    record_id: str,
    values: Mapping[str, Any],
    *,
    dry_run: bool = False,
    gate: RecordGate | None = None,
) -> Outcome:
    """Set fields by dotted path (`size.employees`); a value given as text is read as the field's
    type reads it (`editing.parse_value`), an empty one removes the field. The id never changes."""
    if "id" in values:
        raise refusal(project, record_id, "id", said("write.id"))

    def change(data: Any) -> None:
        model = customer_model(project, data)
        for name, value in values.items():
            set_field(data, name, parse_value(model, name, value) if isinstance(value, str) else value)

    outcome = _edit(project, record_id, change, dry_run=dry_run, gate=gate)
    return _with_generated(project, outcome) if any(n.split(".")[0] == "owner" for n in values) else outcome


@_action
def merge_customers(
    project: Project, keep: str, other: str, *, dry_run: bool = False, gate: RecordGate | None = None
) -> Outcome:
    """OTHER's history moves into KEEP (`editing.merge_records`); OTHER stays as a redirect. Both
    are checked before either is written, and KEEP is written first: nothing is lost if the second fails."""
    keep_edit, other_edit = merge_records(project, keep, other)
    outcome = commit(
        project,
        [Change(e.path, e.before, e.after) for e in (keep_edit, other_edit)],
        dry_run=dry_run,
        gate=gate,
        record_id=keep,
        report=keep_edit.report,
    )
    return _with_generated(project, outcome)


# --- generated files --------------------------------------------------------------------------

GENERATED = ("codeowners", "forms", "schema")


def generated_files(project: Project, which: Iterable[str] = GENERATED) -> dict[Path, str]:
    """What each generated file should hold now: CODEOWNERS (from the records' owners), the issue
    forms (from the option lists), the JSON Schema (from the models). Refused when the records
    cannot be read (CODEOWNERS needs them valid)."""
    from ..problems import ProblemError

    out: dict[Path, str] = {}
    if "codeowners" in which:
        from ..codeowners import PATH, codeowners_text
        from ..dataset import load_dataset

        try:
            out[project.root / PATH] = codeowners_text(load_dataset(project))
        except ProblemError as error:
            raise Refused(error.problems) from None
    if "forms" in which:
        from ..issue_forms import form_files

        out.update(form_files(project))
    if "schema" in which:
        from ..editor_schema import generate

        out.update(generate(project))
    return out


@_action
def sync_generated(project: Project, *, which: Iterable[str] = GENERATED, check: bool = False) -> Outcome:
    """Bring the generated files up to date (with `check`: only say which are stale, as `changes`)."""
    changes = []
    for path, text in generated_files(project, which).items():
        before = path.read_bytes() if path.is_file() else None
        if before != text.encode("utf-8"):
            changes.append(Change(path, before, text))
    if check:
        return Outcome(tuple(changes))
    for change in changes:
        write_atomically(change.path, change.after.encode("utf-8"))
    return Outcome(tuple(changes), written=bool(changes))


def _with_generated(project: Project, outcome: Outcome) -> Outcome:
    """After a write that changes who owns a record, CODEOWNERS follows in the same change; when the
    other records are invalid it cannot, and the outcome says so instead of failing the write."""
    if not outcome.written:
        return outcome
    synced = sync_generated(project, which=("codeowners",))
    if synced.problems:
        note = f"CODEOWNERS not brought up to date: {len(synced.problems)} problem(s) in the records; run crm validate"
        return _replace(outcome, report=outcome.report + (note,))
    return _replace(outcome, changes=outcome.changes + synced.changes)


def _replace(outcome: Outcome, **changes: Any) -> Outcome:
    from dataclasses import replace

    return replace(outcome, **changes)


__all__ = [
    "Change",
    "Outcome",
    "Refused",
    "add_contact",
    "add_key_date",
    "add_order",
    "case_step",
    "commit",
    "commit_many",
    "complete_step",
    "create_customer",
    "generated_files",
    "log_interaction",
    "merge_customers",
    "next_step",
    "open_case",
    "resolve_case",
    "set_fields",
    "sync_generated",
    "update_case",
]
