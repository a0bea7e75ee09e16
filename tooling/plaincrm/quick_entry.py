"""Quick entry: a submitted issue form (`issue_forms`) becomes the change the write actions make
(`plaincrm.write.actions`, as `crm new`, `crm log` … do; validated); the workflow opens a pull
request with it, or comments with the problems.

An issue body is written by anyone who can open an issue, so every answer is checked before any
file is touched (an id is an id, never a path), and whatever is posted back (the pull request's
body, the comment saying what is wrong) shows the answers as code, where no link, image,
heading or @mention can start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .issue_forms import ITEM_FORMS, Form
from .project import Project


class FormError(Exception):
    """The answers cannot make a valid change; the message is for the person who filled the form."""

    def markdown(self) -> str:
        """The comment on the issue: the message line by line as code (it quotes the answers)."""
        return (
            "\n".join(
                [
                    "The form could not be turned into a change:",
                    "",
                    *_code_lines(str(self)),
                    "",
                    "Edit the issue to fix it; this check runs again.",
                ]
            )
            + "\n"
        )


@dataclass(frozen=True)
class Entry:
    """What a form changed: the files to commit (the record first, then generated files it brought
    up to date) and what its reviewer should look at before merging."""

    files: tuple[str, ...]  # relative to the repository root
    warnings: tuple[str, ...] = ()

    def markdown(self) -> str:
        """The pull request's body: the files, then the warnings, every text from a record as code."""
        out = ["Changes " + ", ".join(_code(f) for f in self.files) + "."]
        if self.warnings:
            out += ["", "**Check before merging:**", "", *_code_lines("\n".join(self.warnings))]
        return "\n".join(out) + "\n"


def _code(text: str) -> str:
    from .escaping import markdown_code  # the one Markdown rule for untrusted text (crm diff's too)

    return markdown_code(text)


def _code_lines(text: str) -> list[str]:
    """Each non-blank line of `text` as a list item in code (a code span cannot hold a line break)."""
    return [f"- {_code(line)}" for line in text.split("\n") if line.strip()]


def apply(
    project: Project, form: Form, answers: dict[str, str], *, today: date, author_login: str | None = None
) -> Entry:
    """Make the change the form asks for through the write actions (validated; nothing written on a
    problem) and say what changed."""
    from .write import actions

    missing = [f.label for f in form.fields if f.required and not answers.get(f.id)]
    if missing:
        raise FormError("missing: " + ", ".join(missing))
    if form.name == "new-customer":
        outcome = _new_customer(project, answers, today)
    else:
        record_id = _existing_id(project, answers["id"])
        values = _typed(project, form, answers)
        if form.name == "log-interaction":
            handle = _handle(project, author_login)
            outcome = actions.log_interaction(
                project,
                record_id,
                day=values["date"],
                channel=values["channel"],
                topic=values["topic"],
                summary=values["summary"],
                feedback=values.get("feedback"),
                by=[handle] if handle else None,
                next_action=values.get("next"),
                due=values.get("due"),
            )
        elif form.name == "add-order":
            outcome = actions.add_order(project, record_id, values)
        elif form.name == "add-contact":
            outcome = actions.add_contact(project, record_id, values)
        elif form.name == "open-case":
            outcome = actions.open_case(
                project,
                record_id,
                kind=values["kind"],
                summary=values["summary"],
                opened=values["opened"],
                **_case_extras(project, record_id, values, values["opened"], author_login),
            )
        elif form.name == "resolve-case":
            outcome = actions.resolve_case(
                project,
                record_id,
                resolved=values["resolved"],
                resolution=values.get("resolution"),
                which=values.get("case"),
                **_case_extras(project, record_id, values, values["resolved"], author_login),
            )
        else:  # pragma: no cover - every form above has its action
            raise FormError(f"no action for the form {form.name}")
    if not outcome.ok:
        from .problems import render

        raise FormError("nothing was changed:\n\n" + render(outcome.problems))
    files = tuple(project.relative(change.path) for change in outcome.changes)
    return Entry(files, _duplicates(project, outcome.record_id) if form.name == "new-customer" else ())


def _case_extras(project: Project, record_id: str, values: dict, day: Any, login: str | None) -> dict:
    """A case form's handler, place and step (服务记录), dated the day the case is opened or resolved
    and taken by the issue's author when the team knows them."""
    from .write import actions

    try:
        step = actions.case_step(
            values.get("step"),
            day=day,  # the form's required date, read by `_typed`
            result=values.get("step_result"),
            by=_handle(project, login),
            project=project,
            record_id=record_id,
        )
    except actions.Refused as refused:
        from .problems import render

        raise FormError(render(refused.problems)) from None
    return {"handler": values.get("handler"), "place": values.get("place"), "step": step}


def _typed(project: Project, form: Form, answers: dict[str, str]) -> dict[str, object]:
    """The answers as the fields take them: dates read strictly, yes/no as booleans, a case number
    as a number, numbers as YAML reads them (`editing.parse_value`: text fields stay text)."""
    from .modelkit import list_item_model
    from .write.editing import EditRefused, parse_value

    section = next((spec[3] for spec in ITEM_FORMS if spec[0] == form.name), None)
    model = list_item_model(next(iter(project.customer_models.values())), section) if section else None
    out: dict[str, object] = {}
    for field in form.fields:
        answer = (answers.get(field.id) or "").strip()
        if field.id == "id" or not answer:
            continue
        if field.id in ("date", "due", "opened", "resolved"):
            out[field.id] = _day(answer)
        elif field.kind == "dropdown" and not field.options:
            out[field.id] = answer == "yes"
        elif field.id == "case":
            if not answer.isdigit():
                raise FormError(f"{answer!r} is not a case number (1, 2, …)")
            out[field.id] = int(answer)
        elif model is not None and field.id in model.model_fields and field.kind != "textarea":
            try:
                out[field.id] = parse_value(model, field.id, answer)
            except EditRefused as error:
                raise FormError(str(error)) from None
        else:
            out[field.id] = answers[field.id].strip()
    return out


def _new_customer(project: Project, answers: dict[str, str], today: date):
    """A new customer through `actions.create_customer`; the records must be valid first, since the
    pull request has to carry CODEOWNERS brought up to date."""
    from .write import actions
    from .write.importing.values import tidy

    before = actions.sync_generated(project, which=("codeowners",), check=True)
    if before.problems:
        from .problems import render

        raise FormError("the records have problems; fix them first:\n\n" + render(before.problems))
    fields = {key: tidy(answers[key]) for key in ("kind", "name", "industry", "source", "category", "owner")}
    if answers.get("needs"):
        fields["needs"] = answers["needs"].strip()
    fields.update({key: tidy(answers[key]) for key in ("stage", "intent") if answers.get(key)})
    contact = {
        k: tidy(answers[f]) for k, f in (("name", "contact"), ("phone", "phone"), ("email", "email")) if answers.get(f)
    }
    return actions.create_customer(project, fields, today=today, contacts=[contact] if contact else [])


def _existing_id(project: Project, answer: str) -> str:
    """The id of an existing customer, from an answer that must be nothing else: the configured id
    form (so no `../`, no absolute path) naming a plain file inside the customers folder (so no
    link leading out of it), as `read_bounded` reads records."""
    from .loading import read_bounded, real_prefix
    from .problems import ProblemError, render
    from .write.editing import EditRefused, record_path

    record_id = answer.strip()
    settings = project.settings
    if not re.fullmatch(settings.id_regex, record_id):
        example = settings.format_id(date(2024, 5, 1), 1)
        raise FormError(f"{record_id!r} is not a customer id; ids look like {example}")
    try:
        path = record_path(project, record_id)
    except EditRefused as error:
        raise FormError(str(error)) from None
    try:
        read_bounded(
            path, project.relative(path), project.limits.max_file_bytes, inside=real_prefix(project.customers_dir)
        )
    except ProblemError as error:
        raise FormError(render(error.problems)) from None
    return record_id


def _duplicates(project: Project, record_id: str | None) -> tuple[str, ...]:
    """A warning for each existing customer the new one may repeat, by the keys `crm dupes`
    compares (plaincrm.matching)."""
    from .dataset import load_dataset
    from .matching import duplicate_groups, record_keys

    dataset = load_dataset(project)
    return tuple(
        f"{record_id} may be the same customer as {other} {dataset.customers[other].name} ({reason})"
        for reason, ids in duplicate_groups(record_keys(dataset))
        if record_id in ids
        for other in ids
        if other != record_id
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FormError(f"{text.strip()!r} is not a date (YYYY-MM-DD)") from None


def _handle(project: Project, login: str | None) -> str | None:
    """The team member with this git host login (the issue's author), if there is one."""
    from .dataset import load_team

    if not login:
        return None
    return next((h for h, m in load_team(project).members.items() if getattr(m, "login", None) == login), None)
