"""`crm import FILE --plan`: what a sheet holds that the mapping does not decide, and a mapping draft.

Every unknown column and every unknown value of a column is grouped with its count, the rows it
stands in, and a suggested target: an option label in either language (of this field, or of
another: the guides write 潜在客户, a category, in the status column), a team member by name, alias
or role word (销售经理王), a field whose label or whose values' shape (phone numbers, e-mail
addresses, dates) fits the column. Exact answers are written as they are; suggestions are written
marked, and the draft says `reviewed: false` until the user has checked them.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...modelkit import OptionRef, marker
from ...privacy import redact
from ...project import Project
from .apply import open_sheet, read_rows
from .mapping import Mapping, fold, label_index, target_labels
from .rows import UnknownValues, is_cjk
from .values import RowError, tidy

EXAMPLES = 5  # rows named per unknown value
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_CROSS_FIELDS = ("category", "cooperation", "kind")  # option fields the guides' sheets mix up


@dataclass
class Question:
    """One spelling (or column) the mapping does not decide."""

    column: str
    target: str  # the field the column fills ("" for an unknown column)
    text: str
    rows: list[int] = field(default_factory=list)
    count: int = 0
    suggestion: Any = None  # a value, {field: value}, a handle, or a target for a column
    why: str = ""
    exact: bool = False


@dataclass
class ImportPlan:
    source: Path
    mapping: Mapping
    headers: list[str]
    rows: int = 0
    ready: int = 0  # rows that read without a question or problem
    columns: list[Question] = field(default_factory=list)  # unknown columns
    values: list[Question] = field(default_factory=list)  # unknown values, per column
    problems: list[tuple[int, str]] = field(default_factory=list)  # other row errors (a bad date…)
    missing: list[str] = field(default_factory=list)  # what no column gives (a name, an owner)
    lang: str = "en"


def plan_import(
    project: Project, source: Path, *, mapping_file: Path | None = None, owner: str | None = None, lang: str = "en"
) -> ImportPlan:
    """The questions a sheet raises; a row's other problems worded in `lang` (the reader's language)."""
    sheet, mapping, reader = open_sheet(project, source, mapping_file, owner, blank_ok=True)
    plan = ImportPlan(source, mapping, reader.headers, lang=_language(reader.headers))
    questions: dict[tuple[str, str, str], Question] = {}
    suggest = Suggester(project, reader.values, plan.lang)
    for number, cells in sheet.rows:
        plan.rows += 1
        try:
            read_rows(reader, number, cells)
            plan.ready += 1
        except UnknownValues as error:
            for unknown in error.unknown:
                key = (unknown.column, unknown.target, fold(unknown.value))
                question = questions.get(key)
                if question is None:
                    question = questions[key] = Question(unknown.column, unknown.target, unknown.value)
                    question.suggestion, question.why = suggest.value(unknown.target, unknown.value)
                question.count += 1
                if len(question.rows) < EXAMPLES:
                    question.rows.append(number)
        except RowError as error:
            plan.problems.append((number, redact(error.text(lang))))
    plan.values = sorted(
        questions.values(),
        key=lambda q: (reader.headers.index(q.column) if q.column in reader.headers else 999, -q.count),
    )
    plan.columns = _column_questions(suggest, reader.headers, reader.unknown_columns, sheet.rows)
    chosen = {*mapping.columns.values(), *mapping.defaults, *(str(q.suggestion) for q in plan.columns)}
    if not chosen & {"name", "person", "company", "person.given", "person.family"}:
        plan.missing.append(suggest.why("no_name"))
    if "owner" not in chosen and owner is None:
        plan.missing.append(suggest.why("no_owner"))
    return plan


def _column_questions(suggest: Suggester, headers: list[str], unknown: dict[str, int], rows) -> list[Question]:
    out = []
    for index, name in enumerate(headers):
        if name not in unknown:
            continue
        sample = [tidy(cells[index]) for _, cells in rows[:200] if index < len(cells) and tidy(cells[index])]
        question = Question(name, "", name, count=unknown[name])
        question.suggestion, question.why, question.exact = suggest.column(name, sample)
        out.append(question)
    return out


def _language(headers: list[str]) -> str:
    return "zh" if any(is_cjk(h) for h in headers) else "en"


class Suggester:
    """Nearest answers for the plan: never applied unless exact, always shown with the reason."""

    def __init__(self, project: Project, values, lang: str = "en"):
        self.project, self.values, self.lang = project, values, lang
        self.labels = target_labels(project)  # target -> its labels and name, folded
        self.exact = label_index(project)

    def why(self, key: str, **words) -> str:
        return REASONS[key][self.lang].format(**words)

    def role(self, value: str) -> str:
        roles = self.project.options.get("role")
        return roles.label(value, self.lang) if roles else value

    def column(self, name: str, sample: list[str]) -> tuple[str, str, bool]:
        """(target, why, exact) for an unknown column."""
        key = fold(name)
        if len(self.exact.get(key, ())) == 1:
            return next(iter(self.exact[key])), self.why("label"), True
        if sample:
            people = sum(1 for s in sample if fold(s) in self.values.people)
            if people >= max(1, len(sample) * 0.8):
                return "owner", self.why("people", hits=people, total=len(sample)), False
            for target, shape, pattern in (
                ("contact.phone", "phones", _PHONE),
                ("contact.email", "emails", _EMAIL),
                ("key_date:other", "dates", _DATE),
            ):
                hits = sum(1 for s in sample if pattern.match(s))
                if hits >= max(1, len(sample) * 0.8):
                    return target, self.why(shape, hits=hits, total=len(sample)), False
        best = max(
            (
                (difflib.SequenceMatcher(None, key, label).ratio(), target)
                for target, labels in self.labels.items()
                for label in labels
                if len(label) >= 2 and (label in key or key in label)
            ),
            default=None,
        )
        if best:
            return best[1], self.why("resembles"), False
        return "notes+", self.why("notes"), False

    def value(self, target: str, text: str) -> tuple[Any, str]:
        """(suggestion, why) for an unknown spelling of a target's values."""
        key = fold(text)
        if target in ("owner", "by"):
            return self.person(text)
        lists = self._option_lists(target)
        own = lists.get(target)
        if own:
            found = self._nearest(key, own)
            if found:
                return found[0], self.why("nearest", field=target, label=found[1])
        for other in _CROSS_FIELDS:
            if other == target or other not in lists:
                continue
            for spelling, value in lists[other].items():
                if spelling == key:
                    return {other: value}, self.why("other_field", text=text, other=other, field=target)
        if own:
            for other in _CROSS_FIELDS:
                found = self._nearest(key, lists.get(other, {})) if other != target else None
                if found:
                    return {other: found[0]}, self.why("close_other", other=other, label=found[1])
        return None, self.why("no_value")

    def person(self, text: str) -> tuple[Any, str]:
        """A member whose name, alias or (surname and role word) the text contains."""
        folded = fold(text)
        team = self.values.team
        hits = [
            h
            for h, m in team.items()
            if any(fold(s) in folded for s in [m.name, *(getattr(m, "aliases", None) or [])] if s and len(fold(s)) >= 2)
        ]
        if len(hits) == 1:
            return hits[0], self.why("contains", name=team[hits[0]].name)
        roles = self.project.options.get("role")
        words = (
            {value: [fold(roles.label(value, lang)) for lang in ("en", "zh")] for value in roles.values}
            if roles
            else {}
        )
        said = [role for role, labels in words.items() if any(label and label in folded for label in labels)]
        if said:
            rest = folded
            for role in said:
                for label in words[role]:
                    rest = rest.replace(label, "")
            by_role = [h for h, m in team.items() if m.role in said]
            by_surname = [h for h in by_role if _surname(team[h].name) and fold(_surname(team[h].name)) in rest]
            if len(by_surname) == 1:
                return by_surname[0], self.why(
                    "surname", name=team[by_surname[0]].name, role=self.role(team[by_surname[0]].role)
                )
            if len(by_role) == 1:
                return by_role[0], self.why("only_role", role=self.role(said[0]), name=team[by_role[0]].name)
        return None, self.why("nobody", team=", ".join(f"{h} ({m.name})" for h, m in team.items()))

    def _option_lists(self, target: str) -> dict[str, dict[str, str]]:
        out = {}
        for model in self.project.customer_models.values():
            for name in {target, *_CROSS_FIELDS}:
                info = model.model_fields.get(name)
                option = marker(info, OptionRef) if info is not None else None
                if option is not None:
                    out[name] = self.values.options.get(option.name, {})
        return out

    @staticmethod
    def _nearest(key: str, spellings: dict[str, str]) -> tuple[str, str] | None:
        contained = [(len(s), s) for s in spellings if len(s) >= 2 and (s in key or key in s)]
        if contained:
            spelling = max(contained)[1]
            return spellings[spelling], spelling
        close = difflib.get_close_matches(key, list(spellings), n=1, cutoff=0.75)
        return (spellings[close[0]], close[0]) if close else None


def _surname(name: str) -> str:
    name = name.strip()
    if name and "\u4e00" <= name[0] <= "\u9fff":
        return name[0]
    return name.split()[-1] if " " in name else ""


REASONS = {
    "label": {"en": "its header is this field's label", "zh": "列名就是该字段的名称"},
    "phones": {"en": "{hits} of {total} values look like phone numbers", "zh": "{total} 个值中 {hits} 个像电话号码"},
    "emails": {"en": "{hits} of {total} values look like e-mail addresses", "zh": "{total} 个值中 {hits} 个像电子邮箱"},
    "dates": {"en": "{hits} of {total} values look like dates", "zh": "{total} 个值中 {hits} 个像日期"},
    "people": {
        "en": "{hits} of {total} values are team members (name, handle or alias)",
        "zh": "{total} 个值中 {hits} 个是团队成员（姓名、账号或别名）",
    },
    "no_name": {
        "en": "no column gives the customer's name: map one to name, person or company",
        "zh": "没有列给出客户名称：把一列映射为 name、person 或 company",
    },
    "no_owner": {
        "en": "no column gives the owner: map one to owner, or pass --owner",
        "zh": "没有列给出跟进人：把一列映射为 owner，或使用 --owner",
    },
    "resembles": {"en": "its header resembles this field's label", "zh": "列名与该字段的名称相近"},
    "notes": {
        "en": "no field fits: its values go to the notes (phone numbers and e-mails masked)",
        "zh": "没有合适的字段：值写入备注（电话和邮箱打码）",
    },
    "nearest": {"en": "nearest {field}: {label}", "zh": "最接近的 {field}：{label}"},
    "other_field": {
        "en": "{text!r} is a {other} value, not a {field}",
        "zh": "“{text}”是 {other} 的选项，不是 {field}",
    },
    "close_other": {"en": "close to the {other} value {label}", "zh": "接近 {other} 的选项 {label}"},
    "no_value": {
        "en": "no close value: write one, a mapping of fields, or {{tags: [...]}} to keep it as a tag",
        "zh": "没有相近的选项：填写一个值、一组字段，或用 {{tags: [...]}} 保留为标签",
    },
    "contains": {"en": "the text contains {name}", "zh": "文字中含有 {name}"},
    "surname": {"en": "role word and surname: {name} ({role})", "zh": "职务词与姓氏：{name}（{role}）"},
    "only_role": {"en": "the only {role} in the team: {name}", "zh": "团队中唯一的{role}：{name}"},
    "nobody": {"en": "nobody in the team fits; one of {team}", "zh": "团队中没有对应的人；可选：{team}"},
}


# --- the draft --------------------------------------------------------------------------------------

_WORDS = {
    "en": {
        "head": "Mapping draft for {file}, written by crm import --plan.",
        "todo": "Check every line marked 'suggested' (and fill each ~), then set reviewed: true and run:",
        "unknown_column": "unknown column, {n} rows with a value",
        "suggested": "suggested",
        "undecided": "undecided",
        "rows": "rows",
    },
    "zh": {
        "head": "{file} 的映射草稿，由 crm import --plan 生成。",
        "todo": "逐条检查标有“建议”的行（并填写每个 ~），然后把 reviewed 改为 true，再运行：",
        "unknown_column": "未知列，{n} 行有值",
        "suggested": "建议",
        "undecided": "待定",
        "rows": "行",
    },
}


_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _q(value: Any) -> str:
    """A YAML scalar or flow collection that reads back as exactly this: JSON (YAML's subset), with
    what YAML may not hold raw (DEL, C1 controls, U+FFFE) escaped too."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def _comment(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text)


def draft_text(plan: ImportPlan, draft_path: Path) -> str:
    words = _WORDS[plan.lang]
    mapping = plan.mapping
    lines = [
        f"# {_comment(words['head'].format(file=plan.source.name))}",
        f"# {words['todo']}",
        f"#   crm import {_comment(str(plan.source))} --mapping {_comment(str(draft_path))}",
        f"name: {_q(plan.source.name)}",
    ]
    lines += [f"# {_comment(m)}" for m in plan.missing]
    if mapping.origin != str(plan.source):  # a shipped or given mapping, not a blank one
        lines.append(f"based_on: {_q(mapping.name)}")
    needs_review = bool(plan.values) or any(not q.exact for q in plan.columns)
    lines.append(f"reviewed: {'false' if needs_review else 'true'}")
    lines.append(f"dates: {mapping.dates}")
    if mapping.system:
        lines.append(f"system: {_q(mapping.system)}")
    lines.append("columns:")
    asked = {q.column: q for q in plan.columns}
    written = set()
    for name in plan.headers:
        if not name or name in written:
            continue  # a header twice in the sheet is one entry: both columns go to its target
        written.add(name)
        if name in asked:
            q = asked[name]
            mark = "" if q.exact else f"{words['suggested']}: "
            lines.append(
                f"  {_q(name)}: {_q(q.suggestion)}  # {words['unknown_column'].format(n=q.count)}; {mark}{_comment(q.why)}"
            )
        elif name in mapping.columns:
            lines.append(f"  {_q(name)}: {_q(mapping.columns[name])}")
    for name, target in mapping.columns.items():  # the base mapping's other columns, for the next sheet
        if name not in plan.headers:
            lines.append(f"  {_q(name)}: {_q(target)}")
    if mapping.defaults:
        lines.append("defaults:")
        lines += [f"  {_q(k)}: {_q(_plain(v))}" for k, v in mapping.defaults.items()]
    aliases: dict[str, list[str]] = {}
    for target, table in mapping.aliases.items():
        spelt = mapping.spellings.get(target, {})
        aliases[target] = [f"    {_q(spelt.get(k, k))}: {_q(v)}" for k, v in table.items()]
    for q in plan.values:
        rows = ", ".join(map(str, q.rows)) + (" …" if q.count > len(q.rows) else "")
        state = words["suggested"] if q.suggestion is not None else words["undecided"]
        aliases.setdefault(q.target, []).append(
            f"    {_q(q.text)}: {_q(q.suggestion) if q.suggestion is not None else '~'}  "
            f"# {state} ({q.count} {words['rows']}: {rows}): {_comment(q.why)}"
        )
    if aliases:
        lines.append("aliases:")
        for target, entries in aliases.items():
            lines.append(f"  {_q(target)}:")
            lines += entries
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
