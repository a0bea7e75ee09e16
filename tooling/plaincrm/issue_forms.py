"""Quick entry without git, the forms: GitHub issue forms for a new customer, an interaction, an
order, a service case (opened and resolved) and a contact, and the reading of a submitted one's
answers. `quick_entry` turns the answers into the change a write action makes.

The forms are generated from the schema (`crm forms`): dropdowns from its option lists, and the
item forms field by field from its models, so a form never offers a value validation would
refuse; CI fails when the committed forms are stale.

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
    Form(
        "new-customer",
        "New customer / 新客户",
        "Add a customer without git: a pull request with the new record is opened for review.",
        (
            Field(
                "name", "Name / 客户名称", required=True, description="The full name, no abbreviations (全称，勿用简称)"
            ),
            Field("kind", "Kind / 客户类型", "dropdown", "customer_kind", required=True),
            Field("owner", "Owner / 跟进人", required=True, description="A handle from records/team.yaml, e.g. li.wei"),
            Field("source", "Source / 客户来源", "dropdown", "source", required=True),
            Field("industry", "Industry / 所属行业", "dropdown", "industry", required=True),
            Field("category", "Category / 客户分类", "dropdown", "category", required=True),
            Field("stage", "Follow-up stage / 跟进阶段", "dropdown", "stage"),
            Field("intent", "Intent to buy / 成交意向度", "dropdown", "intent"),
            Field("contact", "Contact person / 联系人"),
            Field("phone", "Phone / 联系方式"),
            Field("email", "E-mail / 电子邮箱"),
            Field("needs", "Core needs / 核心需求", "textarea"),
        ),
    ),
    Form(
        "log-interaction",
        "Log an interaction / 记录互动",
        "Log a call, visit or message: a pull request adds it to the customer's record.",
        (
            Field("id", "Customer id / 客户编号", required=True, description="e.g. C20240501001"),
            Field("date", "Date / 日期", required=True, description="YYYY-MM-DD"),
            Field("channel", "Channel / 沟通方式", "dropdown", "channel", required=True),
            Field("topic", "Topic / 沟通主题", required=True),
            Field("summary", "Summary / 沟通内容摘要", "textarea", required=True),
            Field("feedback", "Customer feedback / 客户反馈", "textarea"),
            Field("next", "Next step / 下一步计划"),
            Field("due", "Next step due / 截止日期", description="YYYY-MM-DD, with a next step"),
        ),
    ),
)


# Forms that add to a customer's lists, generated from the item models: their labels, option lists,
# dates and required fields are the models' own. (form name, title, description, list, fields left out)
ITEM_FORMS = (
    (
        "add-order",
        "Add an order / 新增订单",
        "Record an order (交易记录): a pull request adds it to the customer's record.",
        "orders",
        (),
    ),
    (
        "open-case",
        "Open a service case / 新建服务工单",
        "Record a consultation, complaint or after-sales request "
        "(投诉处理): a pull request adds it to the customer's record.",
        "service_cases",
        ("resolved", "resolution", "status", "participants"),
    ),
    (
        "resolve-case",
        "Resolve a service case / 解决服务工单",
        "Record how an open case was resolved (处理结果).",
        "service_cases",
        ("kind", "opened", "summary", "status", "participants"),
    ),
    (
        "add-contact",
        "Add a contact / 新增联系人",
        "Add a contact person (决策关键人 and others) to a customer.",
        "contacts",
        (),
    ),
)
ID_FIELD = Field("id", "Customer id / 客户编号", required=True, description="e.g. C20240501001")
CASE_NUMBER = Field(
    "case",
    "Case number / 工单序号",
    description="Only when the customer has several open cases: 1 for the first open one (有多个未解决工单时填写)",
)
LONG_TEXT = frozenset({"summary", "resolution", "notes", "feedback", "needs"})  # asked for in a text area
HANDLE_HINT = "A handle from records/team.yaml, e.g. li.wei"
# A case's steps (服务记录) are asked for one at a time: what was done (内容) and its result (结果),
# dated the day the case is opened or resolved; `quick_entry` turns them into one step.
STEP_FIELDS = {"step": "action", "step_result": "result"}


def forms(project: Project | None = None) -> tuple[Form, ...]:
    """Every form: the two written here, and (with a project) those generated from its item models,
    but for a list the team's models do not have."""
    if project is None:
        return FORMS
    generated = (_item_form(project, *spec) for spec in ITEM_FORMS)
    return FORMS + tuple(form for form in generated if form is not None)


def form_by_name(name: str, project: Project | None = None) -> Form:
    for form in forms(project):
        if form.name == name or form.label == name:
            return form
    raise KeyError(name)


def _item_form(
    project: Project, name: str, title: str, description: str, section: str, leave_out: tuple[str, ...]
) -> Form | None:
    """A form asking for one item of a customer's list, a field per model field (required as the model says);
    None when the models have no such list (a team removed `orders`: no order form, as no order report)."""
    from pydantic import BaseModel

    from .modelkit import OptionRef, Ref, field_label, list_item_model, marker, unwrap

    model = list_item_model(next(iter(project.customer_models.values())), section)
    if model is None:
        return None
    fields = [ID_FIELD]
    for field_name, info in model.model_fields.items():
        if field_name in leave_out:
            continue
        inner, _, _ = unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):  # a list of sub-records: see below
            continue
        option = marker(info, OptionRef)
        label = f"{field_label(info, field_name, 'en')} / {field_label(info, field_name, 'zh')}"
        required = info.is_required() or (name == "resolve-case" and field_name == "resolved")
        if option is not None:
            fields.append(Field(field_name, label, "dropdown", option.name, required=required))
        elif inner is bool:
            fields.append(Field(field_name, label, "dropdown", "", required=required))
        else:
            kind = "textarea" if field_name in LONG_TEXT else "input"
            ref = marker(info, Ref)
            hint = "YYYY-MM-DD" if inner is date else HANDLE_HINT if ref and ref.target == "member" else ""
            fields.append(Field(field_name, label, kind, required=required, description=hint))
    step_model = list_item_model(model, "steps")
    if step_model is not None:
        steps = model.model_fields["steps"]
        for form_id, step_field in STEP_FIELDS.items():
            part = step_model.model_fields[step_field]
            label = " / ".join(
                f"{field_label(steps, 'steps', lang)}{sep}{field_label(part, step_field, lang)}"
                for lang, sep in (("en", ": "), ("zh", "："))
            )
            fields.append(Field(form_id, label, "textarea"))
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
            attributes["options"] = [
                f"{value}{SEPARATOR}{en} / {zh}" for value, en, zh in (("no", "No", "否"), ("yes", "Yes", "是"))
            ]
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
    data = {
        "name": form.title,
        "description": form.description,
        "title": f"{form.title}: ",
        "labels": [form.label],
        "body": body,
    }
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
