"""Quick entry without git: GitHub issue forms for a new customer, an interaction, an order, a
service case (opened and resolved) and a contact, and the parser that turns a submitted form into
the change the write actions make (`plaincrm.write.actions`, as `crm new`, `crm log` … do;
validated; the workflow opens a pull request with it, or comments with the problems).

The forms are generated from the schema (`crm forms`): dropdowns from its option lists, and the
item forms field by field from its models, so a form never offers a value validation would
refuse; CI fails when the committed forms are stale.

An issue body is written by anyone who can open an issue, so every answer is checked before any
file is touched (an id is an id, never a path), and whatever is posted back (the pull request's
body, the comment saying what is wrong) shows the answers as code, where no link, image,
heading or @mention can start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .project import Project

FOLDER = ".github/ISSUE_TEMPLATE"
NO_RESPONSE = "_No response_"
SEPARATOR = " — "  # dropdown entries read "value — English / 中文"; the value is what counts


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    kind: str = "input"  # input | textarea | dropdown
    options: str | None = None  # option list name, for a dropdown
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Form:
    name: str  # file stem and the label the workflow looks for
    title: str
    description: str
    fields: tuple[Field, ...]

    @property
    def label(self) -> str:
        return f"crm:{self.name}"


FORMS = (
    Form("new-customer", "New customer / 新客户", "Add a customer without git: a pull request with the new record is opened for review.", (
        Field("name", "Name / 客户名称", required=True, description="The full name, no abbreviations (全称，勿用简称)"),
        Field("kind", "Kind / 客户类型", "dropdown", "customer_kind", required=True),
        Field("owner", "Owner / 跟进人", required=True, description="A handle from records/team.yaml, e.g. li.wei"),
        Field("source", "Source / 客户来源", "dropdown", "source", required=True),
        Field("industry", "Industry / 所属行业", "dropdown", "industry", required=True),
        Field("category", "Category / 客户分类", "dropdown", "category", required=True),
        Field("contact", "Contact person / 联系人"),
        Field("phone", "Phone / 联系方式"),
        Field("email", "E-mail / 电子邮箱"),
        Field("needs", "Core needs / 核心需求", "textarea"),
    )),
    Form("log-interaction", "Log an interaction / 记录互动", "Log a call, visit or message: a pull request adds it to the customer's record.", (
        Field("id", "Customer id / 客户编号", required=True, description="e.g. C20240501001"),
        Field("date", "Date / 日期", required=True, description="YYYY-MM-DD"),
        Field("channel", "Channel / 沟通方式", "dropdown", "channel", required=True),
        Field("topic", "Topic / 沟通主题", required=True),
        Field("summary", "Summary / 沟通内容摘要", "textarea", required=True),
        Field("feedback", "Customer feedback / 客户反馈", "textarea"),
        Field("next", "Next step / 下一步计划"),
        Field("due", "Next step due / 截止日期", description="YYYY-MM-DD, with a next step"),
    )),
)


# Forms that add to a customer's lists, generated from the item models: their labels, option lists,
# dates and required fields are the models' own. (form name, title, description, list, fields left out)
ITEM_FORMS = (
    ("add-order", "Add an order / 新增订单", "Record an order (交易记录): a pull request adds it to the customer's record.",
     "orders", ()),
    ("open-case", "Open a service case / 新建服务工单", "Record a consultation, complaint or after-sales request "
     "(投诉处理): a pull request adds it to the customer's record.", "service_cases", ("resolved", "resolution", "status")),
    ("resolve-case", "Resolve a service case / 解决服务工单", "Record how an open case was resolved (处理结果).",
     "service_cases", ("kind", "opened", "summary", "status")),
    ("add-contact", "Add a contact / 新增联系人", "Add a contact person (决策关键人 and others) to a customer.",
     "contacts", ()),
)
ID_FIELD = Field("id", "Customer id / 客户编号", required=True, description="e.g. C20240501001")
CASE_NUMBER = Field("case", "Case number / 工单序号", description="Only when the customer has several open cases: "
                    "1 for the first open one (有多个未解决工单时填写)")
LONG_TEXT = frozenset({"summary", "resolution", "notes", "feedback", "needs"})  # asked for in a text area
YES_NO = ("no", "yes")


def forms(project: Project | None = None) -> tuple[Form, ...]:
    """Every form: the two written here, and (with a project) those generated from its item models."""
    return FORMS + (tuple(_item_form(project, *spec) for spec in ITEM_FORMS) if project is not None else ())


def form_by_name(name: str, project: Project | None = None) -> Form:
    for form in forms(project):
        if form.name == name or form.label == name:
            return form
    raise KeyError(name)


def _item_form(project: Project, name: str, title: str, description: str, section: str, leave_out: tuple[str, ...]) -> Form:
    """A form asking for one item of a customer's list, a field per model field (required as the model says)."""
    from .modelkit import OptionRef, field_label, marker, unwrap
    from .write.editing import list_item_model

    model = list_item_model(next(iter(project.customer_models.values())), section)
    fields = [ID_FIELD]
    for field_name, info in model.model_fields.items():
        if field_name in leave_out:
            continue
        inner, _, _ = unwrap(info.annotation)
        option = marker(info, OptionRef)
        label = f"{field_label(info, field_name, 'en')} / {field_label(info, field_name, 'zh')}"
        required = info.is_required() or (name == "resolve-case" and field_name == "resolved")
        if option is not None:
            fields.append(Field(field_name, label, "dropdown", option.name, required=required))
        elif inner is bool:
            fields.append(Field(field_name, label, "dropdown", "", required=required))
        else:
            kind = "textarea" if field_name in LONG_TEXT else "input"
            hint = "YYYY-MM-DD" if inner is date else ""
            fields.append(Field(field_name, label, kind, required=required, description=hint))
    if name == "resolve-case":
        fields.append(CASE_NUMBER)
    return Form(name, title, description, tuple(fields))


def form_yaml(project: Project, form: Form) -> str:
    """The issue form (GitHub's issue-form schema), dropdowns filled from the option lists."""
    body: list[dict[str, Any]] = [{"type": "markdown", "attributes": {"value": form.description}}]
    for field in form.fields:
        attributes: dict[str, Any] = {"label": field.label}
        if field.description:
            attributes["description"] = field.description
        if field.kind == "dropdown" and not field.options:
            attributes["options"] = [f"{value}{SEPARATOR}{en} / {zh}" for value, en, zh in
                                     (("no", "No", "否"), ("yes", "Yes", "是"))]
        elif field.kind == "dropdown":
            option_list = project.options[field.options]
            attributes["options"] = [
                f"{value}{SEPARATOR}{option_list.label(value, 'en')} / {option_list.label(value, 'zh')}"
                for value in option_list.values
            ]
        entry = {"type": field.kind, "id": field.id, "attributes": attributes}
        if field.required:
            entry["validations"] = {"required": True}
        body.append(entry)
    data = {"name": form.title, "description": form.description, "title": f"{form.title}: ",
            "labels": [form.label], "body": body}
    header = "# Generated by `crm forms` from schema/ (models and option lists); CI fails when it is stale.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def form_files(project: Project) -> dict[Path, str]:
    return {project.root / FOLDER / f"{form.name}.yml": form_yaml(project, form) for form in forms(project)}


def parse_body(body: str, form: Form) -> dict[str, str]:
    """A submitted form's answers by field id. GitHub writes each answer under its label as a
    level-3 heading; an empty answer reads `_No response_`; a dropdown answer is its option text."""
    by_label = {field.label: field for field in form.fields}
    answers: dict[str, str] = {}
    current: Field | None = None
    lines: list[str] = []

    def close() -> None:
        if current is not None:
            value = "\n".join(lines).strip()
            if value == NO_RESPONSE:
                value = ""
            if current.kind == "dropdown":
                value = value.split(SEPARATOR, 1)[0].strip()
            answers[current.id] = value

    for line in body.replace("\r\n", "\n").split("\n"):
        heading = re.match(r"^###\s+(.*?)\s*$", line)
        if heading and heading.group(1) in by_label:
            close()
            current, lines = by_label[heading.group(1)], []
        elif current is not None:
            lines.append(line)
    close()
    return answers


class FormError(Exception):
    """The answers cannot make a valid change; the message is for the person who filled the form."""

    def markdown(self) -> str:
        """The comment on the issue: the message line by line as code (it quotes the answers)."""
        return "\n".join([
            "The form could not be turned into a change:", "", *_code_lines(str(self)), "",
            "Edit the issue to fix it; this check runs again.",
        ]) + "\n"


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


def apply(project: Project, form: Form, answers: dict[str, str], *, today: date, author_login: str | None = None) -> Entry:
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
                project, record_id, day=values["date"], channel=values["channel"], topic=values["topic"],
                summary=values["summary"], feedback=values.get("feedback"), by=[handle] if handle else None,
                next_action=values.get("next"), due=values.get("due"))
        elif form.name == "add-order":
            outcome = actions.add_order(project, record_id, values)
        elif form.name == "add-contact":
            outcome = actions.add_contact(project, record_id, values)
        elif form.name == "open-case":
            outcome = actions.open_case(project, record_id, kind=values["kind"], summary=values["summary"],
                                        opened=values["opened"])
        elif form.name == "resolve-case":
            outcome = actions.resolve_case(project, record_id, resolved=values["resolved"],
                                           resolution=values.get("resolution"), which=values.get("case"))
        else:  # pragma: no cover - every form above has its action
            raise FormError(f"no action for the form {form.name}")
    if not outcome.ok:
        from .problems import render

        raise FormError("nothing was changed:\n\n" + render(outcome.problems))
    files = tuple(project.relative(change.path) for change in outcome.changes)
    return Entry(files, _duplicates(project, outcome.record_id) if form.name == "new-customer" else ())


def _typed(project: Project, form: Form, answers: dict[str, str]) -> dict[str, object]:
    """The answers as the fields take them: dates read strictly, yes/no as booleans, a case number
    as a number, numbers as YAML reads them (`editing.parse_value`: text fields stay text)."""
    from .write.editing import list_item_model, parse_value, EditRefused

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
    contact = {k: tidy(answers[f]) for k, f in (("name", "contact"), ("phone", "phone"), ("email", "email")) if answers.get(f)}
    return actions.create_customer(project, fields, today=today, contacts=[contact] if contact else [])


def _existing_id(project: Project, answer: str) -> str:
    """The id of an existing customer, from an answer that must be nothing else: the configured id
    form (so no `../`, no absolute path) naming a plain file inside the customers folder (so no
    link leading out of it), as `read_bounded` reads records."""
    from .write.editing import EditRefused, record_path
    from .loading import read_bounded, real_prefix
    from .problems import ProblemError, render

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
        read_bounded(path, project.relative(path), project.limits.max_file_bytes, inside=real_prefix(project.customers_dir))
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
        for reason, ids in duplicate_groups(record_keys(dataset)) if record_id in ids
        for other in ids if other != record_id
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
