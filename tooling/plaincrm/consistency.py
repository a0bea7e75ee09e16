"""The field guides' consistency rules that a file's schema cannot express, as warnings a reviewer sees.

Each rule is one small function below, registered with its name (the key a team uses in
schema/settings.yaml `warnings: {name: warning | error | off}`), its message key (`messages`) and the
guide that asks for it. A rule is a *warning* unless the team makes it an *error* (then it fails
`crm validate` like any other problem) or turns it *off*. Rules look only at valid records: a record
with errors is fixed first.

Three kinds, by what they need besides the record:

- `record`: the record alone. Judged where each file is checked, so the result is cached with the
  file's other problems (the cache key covers schema/settings.yaml, hence the levels).
- `today`: the record and the date (`idle_potential`). Judged with the file as a *candidate* carrying
  its date, which `settle` keeps or drops for the day: the cache stays valid as days pass.
- `history`: the record and git (`late_interaction`), judged from the audit trail (`history.audit`,
  passed in by the caller: this module sits below it) for the interactions whose adding commit is known.

Every finding names the field it concerns (`FieldPath`), so a problem points at its file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .contract import COOPERATION_KEY_DATES, NOT_COUNTED_ORDER
from .layout import SchemaConfigError
from .loading import RawRecord, read_record, real_prefix
from .messages import Said, said
from .privacy import redact
from .problems import FieldPath, Problem, ProblemError, format_field_path

RECORD, TODAY, HISTORY = "record", "today", "history"
Finding = tuple[FieldPath, Said]  # the field it concerns, what is said of it


@dataclass(frozen=True)
class Rule:
    name: str  # the key in settings.yaml `warnings`, and the problem's code after "consistency."
    key: str  # the message key (messages.MESSAGES)
    guide: str  # which of the field guides (A–E, the handbooks plaincrm's requirements come from) asks for it
    scope: str  # RECORD, TODAY or HISTORY: what it needs besides the record
    check: Callable[..., Iterable[Finding]]

    @property
    def code(self) -> str:
        return f"consistency.{self.name}"


RULES: dict[str, Rule] = {}


def rule(name: str, key: str, *, guide: str, scope: str = RECORD):
    """Register a rule function under its settings name (one place per rule)."""

    def register(check: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        RULES[name] = Rule(name, key, guide, scope, check)
        return check

    return register


def _get(record: Any, name: str) -> Any:
    """A field the engine's contract names, read as the contract says (`contract.get`, imported on first use:
    it brings pydantic, which only a run that validates needs)."""
    global _contract_get
    if _contract_get is None:
        from .contract import get

        _contract_get = get
    return _contract_get(record, name)


_contract_get: Callable[[Any, str], Any] | None = None


# --- 1. category and cooperation agree ------------------------------------------------------------------

COUNTED_ORDER_EXCLUDED = NOT_COUNTED_ORDER  # an order that is no cooperation yet


@rule("category_cooperation", "consistency.category-cooperation", guide="E")
def category_cooperation(customer: Any) -> Iterator[Finding]:
    """A potential customer (潜在客户) that cooperates (合作中) without a first order: guide E asks that a
    customer turning from potential to active gets its status and first cooperation updated together.
    A first cooperation is an order that counts (not quoted, not cancelled) or a contract_signed key date."""
    if _get(customer, "category") != "potential" or _get(customer, "cooperation") != "active":
        return
    if any(order.status not in COUNTED_ORDER_EXCLUDED for order in _get(customer, "orders")):
        return
    if any(key_date.kind in COOPERATION_KEY_DATES for key_date in _get(customer, "key_dates")):
        return
    yield ("category",), said("consistency.category-cooperation")


# --- 2. contacts have real names --------------------------------------------------------------------------

# A placeholder is a surname with a form of address and no given name (王先生, 李总, 张经理, 欧阳女士,
# Mr Wang), a bare form of address (经理), or anything with 某 or a masking mark (某女士, 王某, *先生, 王**).
# Not one: a name that goes on after the title (王先生华) or has a given name before it (王华先生).
_COMPOUND_SURNAMES = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门 "
    "百里 呼延 轩辕 万俟 单于 澹台 公冶 太史 申屠 钟离 闻人 赫连 东郭 左丘 第五 梁丘"
).split()
_TITLES = (
    "先生 女士 小姐 太太 夫人 总 经理 主任 总监 老板 老师 工 董 部长 主管 科长 处长 厂长 院长 校长 局长 律师 医生"
).split()
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
_PLACEHOLDER = re.compile(
    rf"(?:{'|'.join(_COMPOUND_SURNAMES)}|{_HAN}|[XxＸｘ])?(?:{'|'.join(sorted(_TITLES, key=len, reverse=True))})"
)
_MASKING = re.compile(r"[某*＊×]")
_ENGLISH_PLACEHOLDER = re.compile(r"(?:mr|mrs|ms|miss|mx|dr)\.?\s*[a-z'’-]+", re.IGNORECASE)
_SPACE = re.compile(r"[\s\u3000]+")


def is_placeholder_name(name: str) -> bool:
    """Whether a contact's name is a placeholder rather than a person's name (see the rule above)."""
    text = _SPACE.sub(" ", name).strip()
    if _MASKING.search(text):
        return True
    return bool(_PLACEHOLDER.fullmatch(text.replace(" ", "")) or _ENGLISH_PLACEHOLDER.fullmatch(text))


@rule("placeholder_contact_name", "consistency.placeholder-name", guide="E")
def placeholder_contact_name(customer: Any) -> Iterator[Finding]:
    """Guide E asks for contacts' real names: 王先生 or 某女士 finds nobody again."""
    for index, contact in enumerate(_get(customer, "contacts")):
        name = _get(contact, "name")
        if isinstance(name, str) and is_placeholder_name(name):
            yield ("contacts", index, "name"), said("consistency.placeholder-name", name=repr(name))


# --- 3. unreachable numbers are marked to check ---------------------------------------------------------

VERIFIED_FIELD, TO_CHECK = "verified", "to_check"  # Contact.verified: the option list `verification`
# What says a phone number proved unreachable: 空号 (no such number, unless denied: 不是空号), 无法接通 and
# 打不通 (the call does not go through), 停机 (suspended) only in a clause about a phone (not a server's
# 停机窗口), and their English forms. A clause ends at punctuation.
_PHONE_WORDS = r"电话|手机|号码|座机|来电|致电|拨打|打过去|phone|number|call"
UNREACHABLE = re.compile(
    r"(?<!非)(?<!不是)(?<!并非)空号"
    r"|无法接通|打不通"
    rf"|(?:{_PHONE_WORDS})[^，。；！？,.;!?\n]{{0,12}}停机|停机[^，。；！？,.;!?\n]{{0,12}}(?:{_PHONE_WORDS})"
    r"|\b(?:wrong|invalid) number\b|\bnumber (?:is )?(?:no longer |not )in service\b"
    r"|\b(?:number|phone) (?:is )?disconnected\b",
    re.IGNORECASE,
)


# One of these is in every match (casefolded): a cheap first look before the expression.
_HINTS = ("空号", "接通", "打不通", "停机", "number", "disconnected")


def unreachable_word(text: Any) -> str | None:
    """The words in `text` saying a phone number proved unreachable, or None."""
    if not isinstance(text, str):
        return None
    folded = text.casefold()
    if not any(hint in folded for hint in _HINTS):
        return None
    found = UNREACHABLE.search(text)
    return found.group(0) if found else None


def _answered(contact: Any, on: date | None) -> bool:
    """Whether the contact is marked to check, or was verified on or after the day it proved unreachable."""
    status = getattr(contact, VERIFIED_FIELD, None)
    if status == TO_CHECK:
        return True
    checked = getattr(contact, "verified_on", None)
    return status is not None and checked is not None and (on is None or checked >= on)


@rule("unreachable_unverified", "consistency.unreachable", guide="E")
def unreachable_unverified(customer: Any) -> Iterator[Finding]:
    """A contact whose notes, or an interaction's summary or feedback, say the phone proved unreachable
    (`UNREACHABLE`) and who is not marked to check (待核实) — guide E keeps doubtful details marked. An
    interaction concerns the contacts it names, else the only contact; one naming none of several is
    answered by any contact marked. Off for a schema whose contacts have no `verified` field."""
    contacts = list(_get(customer, "contacts"))
    if not contacts or VERIFIED_FIELD not in type(contacts[0]).model_fields:
        return
    interactions = list(_get(customer, "interactions"))
    texts = [getattr(c, "notes", None) for c in contacts]
    texts += [getattr(i, field, None) for i in interactions for field in ("summary", "feedback")]
    if unreachable_word("\n".join(t for t in texts if isinstance(t, str))) is None:
        return  # most records: one look at all their text
    warned: set[int] = set()
    unnamed_warned = False
    for index, contact in enumerate(contacts):
        word = unreachable_word(getattr(contact, "notes", None))
        if word and not _answered(contact, None):
            warned.add(index)
            yield (
                ("contacts", index, "notes"),
                said(
                    "consistency.unreachable",
                    name=repr(contact.name),
                    word=repr(word),
                    where="the contact's notes",
                    where_zh="联系人备注",
                ),
            )
    for position, interaction in enumerate(interactions):
        for field in ("summary", "feedback"):
            text = getattr(interaction, field, None)
            word = unreachable_word(text)
            if not word or not isinstance(text, str):
                continue
            day = _get(interaction, "date")
            named = [i for i, c in enumerate(contacts) if c.name and c.name in text]
            concerned = named or ([0] if len(contacts) == 1 else [])
            where = f"the interaction of {day}", f"{day} 的互动记录"
            for index in concerned:
                if index not in warned and not _answered(contacts[index], day):
                    warned.add(index)
                    yield (
                        ("interactions", position, field),
                        said(
                            "consistency.unreachable",
                            name=repr(contacts[index].name),
                            word=repr(word),
                            where=where[0],
                            where_zh=where[1],
                        ),
                    )
            if not concerned and not unnamed_warned and not any(_answered(c, day) for c in contacts):
                unnamed_warned = True
                yield (
                    ("interactions", position, field),
                    said("consistency.unreachable-unnamed", word=repr(word), where=where[0], where_zh=where[1]),
                )


# --- 4. potential customers are followed up ---------------------------------------------------------------

POTENTIAL_IDLE_DAYS = 90  # guide E: potential customers not followed up for 90 days (the follow-up report's too)


@rule("idle_potential", "consistency.idle-potential", guide="E", scope=TODAY)
def idle_potential(customer: Any) -> Iterator[Finding]:
    """A candidate for every potential customer: its last follow-up (the latest interaction, else the first
    contact key date), which `settle` keeps when it lies `POTENTIAL_IDLE_DAYS` or more before today. A
    customer with neither date has nothing to measure from and is left alone."""
    if _get(customer, "category") != "potential":
        return
    interactions = list(_get(customer, "interactions"))
    if interactions:
        index = max(range(len(interactions)), key=lambda i: (interactions[i].date, i))
        since, where = interactions[index].date, ("interactions", index, "date")
    else:
        firsts = [(k.date, i) for i, k in enumerate(_get(customer, "key_dates")) if k.kind == "first_contact"]
        if not firsts:
            return
        since, index = min(firsts)
        where = ("key_dates", index, "date")
    yield where, said("consistency.idle-potential", since=since.isoformat(), days=POTENTIAL_IDLE_DAYS)


def settle(problems: Iterable[Problem], today: date, *, invalid: Iterable[str] = ()) -> list[Problem]:
    """The problems for `today`: an idle-potential candidate stays when its customer is idle by then; no rule
    speaks of a file in `invalid` (one with errors: fixed first, judged then)."""
    code = RULES["idle_potential"].code
    invalid = set(invalid)
    kept = []
    for problem in problems:
        if problem.file in invalid and is_consistency(problem):
            continue
        if problem.code == code:
            since = dict(problem.args).get("since", "")
            try:
                if (today - date.fromisoformat(since)).days < POTENTIAL_IDLE_DAYS:
                    continue
            except ValueError:
                continue
        kept.append(problem)
    return kept


def is_consistency(problem: Problem) -> bool:
    """Whether a problem is one of these rules' (its code is `consistency.` and the rule's name)."""
    return problem.code.startswith("consistency.")


# --- 5. interactions are logged within 24 hours -------------------------------------------------------------

LATE_AFTER_DAYS = 2  # a contact on day D is logged within 24 hours when committed by the end of D + 1


@rule("late_interaction", "consistency.late-interaction", guide="B, E", scope=HISTORY)
def late_interaction(data: Mapping[str, Any], entries: Iterable[Any]) -> Iterator[Finding]:
    """Guides B and E: an interaction is logged within 24 hours. Measured from the commit that added it (the
    audit trail's `item_added` to `interactions`, its author date in the author's own time zone): late when
    that day is two or more days after the interaction's. Not judged: interactions in a record's first
    version (an import or a new customer brings its past), ones whose adding commit is not in the clone,
    and an interaction re-dated (removed and added in one commit with its other fields unchanged)."""
    additions = _additions(entries)
    if not additions:
        return
    items = data.get("interactions")
    if not isinstance(items, list):
        return
    used: set[int] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for number, (summary, when, sha) in enumerate(additions):
            if number in used or not all(_shown_as(shown, item.get(key)) for key, shown in summary.items()):
                continue
            used.add(number)
            try:
                day = date.fromisoformat(str(item.get("date")))
            except ValueError:
                break
            if _is_late(when, day):
                yield (
                    ("interactions", index, "date"),
                    said(
                        "consistency.late-interaction",
                        date=day.isoformat(),
                        recorded=when.strftime("%Y-%m-%d %H:%M"),
                        commit=str(sha)[:10],
                    ),
                )
            break


def _additions(entries: Iterable[Any]) -> list[tuple[dict, datetime, str]]:
    """The interactions `entries` (an audit trail, newest first) added: (their summary, the commit's author
    date, its sha); one removed and added again in a commit with only its date changed is no addition."""
    found = []
    for entry in entries:
        added: list[dict] = []
        removed: list[dict] = []
        for change in getattr(entry, "changes", ()):
            if (
                len(change) == 3
                and change[0] in ("item_added", "item_removed")
                and tuple(change[1]) == ("interactions",)
            ):
                (added if change[0] == "item_added" else removed).append(dict(change[2]))
        if not added:
            continue
        try:
            when = datetime.fromisoformat(entry.date)
        except (TypeError, ValueError):
            continue
        undated = [_undated(r) for r in removed]
        found += [(summary, when, entry.sha) for summary in added if _undated(summary) not in undated]
    return found


def _undated(summary: dict) -> dict:
    return {key: value for key, value in summary.items() if key != "date"}


def _is_late(recorded: datetime, day: date) -> bool:
    """Committed (in the author's time) two days or more after the day of the contact: after D + 1 ended."""
    return (recorded.date() - day).days >= LATE_AFTER_DAYS


def _may_be_late(entries: Iterable[Any]) -> bool:
    """Whether git shows any interaction added late (no file read: the summary has its date)."""
    for summary, when, _ in _additions(entries):
        try:
            if _is_late(when, date.fromisoformat(str(summary.get("date")))):
                return True
        except ValueError:
            continue
    return False


def _shown_as(shown: Any, value: Any) -> bool:
    """Whether a value the audit trail shows (redacted, one line, long texts cut with …) is `value`."""
    if value is None or isinstance(value, bool) or shown is None or isinstance(shown, bool):
        return shown == value
    text = redact(str(value).replace("\n", " "))
    return shown == text or (isinstance(shown, str) and shown.endswith("…") and text.startswith(shown[:-1]))


# --- running them ------------------------------------------------------------------------------------------


def levels(settings: Any) -> dict[str, str]:
    """Each rule's level from `settings.warnings` (a rule not named there is a warning); SchemaConfigError
    for a name that is no rule, so a typo never turns a rule silently off."""
    given = dict(getattr(settings, "warnings", None) or {})
    unknown = sorted(set(given) - set(RULES))
    if unknown:
        raise SchemaConfigError(
            f"schema/settings.yaml: warnings: no rule named {', '.join(map(repr, unknown))}; "
            f"the rules are {', '.join(RULES)}"
        )
    return {name: given.get(name, "warning") for name in RULES}


def findings(model: Any, wanted: Mapping[str, str], scopes: tuple[str, ...] = (RECORD, TODAY)) -> list[tuple]:
    """What the rules of `scopes` find in one valid record: (rule, field path, message, level), at the level
    `wanted` gives each rule (a rule `off` is not run)."""
    if getattr(model, "merged_into", None):  # a merged record is a redirect, not a customer
        return []
    found = []
    for name, level in wanted.items():
        spec = RULES[name]
        if level != "off" and spec.scope in scopes:
            found += [(spec, where, message, level) for where, message in spec.check(model)]
    return found


def judge(raw: RawRecord, model: Any, wanted: Mapping[str, str]) -> list[Problem]:
    """The record and today rules' problems in one valid record, placed in `raw` (parsed already)."""
    return _placed(raw, findings(model, wanted))


def judge_file(
    project: Any, file: str, model: Any, wanted: Mapping[str, str], scopes: tuple[str, ...]
) -> list[Problem]:
    """As `judge` for a record validated elsewhere: its file is read again for positions only when a rule finds
    something (most records: never)."""
    found = findings(model, wanted, scopes)
    if not found:
        return []
    root = Path(project.root)
    try:
        raw = read_record(root / file, file, project.limits, inside=real_prefix(root))
    except ProblemError:
        return [
            Problem.of(file, 1, 1, format_field_path(where), message, spec.code, severity=level)
            for spec, where, message, level in found
        ]
    return _placed(raw, found)


def checker(project: Any, wanted: Mapping[str, str]) -> Any:
    """A `validation.RecordChecker` that also judges each valid record by the record and today rules, where the
    parse that found it is at hand (positions cost nothing); its problems are cached with the file's."""
    from .validation import RecordChecker

    class RuledChecker(RecordChecker):
        def check_raw(
            self, raw: RawRecord, *, expected_id: str | None, keep_model: bool = False, keep_data: bool = False
        ):
            check = super().check_raw(raw, expected_id=expected_id, keep_model=True, keep_data=keep_data)
            if check.model is not None:
                check.problems = sorted(check.problems + judge(raw, check.model, wanted))
                if not keep_model:
                    check.model = None
            return check

    return RuledChecker(project)


def history_problems(
    project: Any, history: Any, files: Iterable[str], wanted: Mapping[str, str], *, skip: Iterable[str] = ()
) -> list[Problem]:
    """The history rules over `files` (paths relative to the project) with `history` (an `audit.History`);
    `skip`: files with errors, judged once they are fixed. A file is read only when git shows it a late
    interaction, so the cost is the history's, which `read_history` caches."""
    spec = RULES["late_interaction"]
    level = wanted.get(spec.name, "off")
    if level == "off" or history is None:
        return []
    skipped = set(skip)
    problems: list[Problem] = []
    inside = real_prefix(Path(project.root))
    for file in files:
        entries = history.of_file(file)
        if file in skipped or not entries or not _may_be_late(entries):
            continue
        try:
            raw = read_record(Path(project.root) / file, file, project.limits, inside=inside)
        except ProblemError:
            continue
        if raw.data.get("merged_into"):
            continue
        problems += _placed(raw, [(spec, where, message, level) for where, message in spec.check(raw.data, entries)])
    return problems


def _placed(raw: RawRecord, found: list[tuple]) -> list[Problem]:
    """Findings as problems at the line and column of the field each concerns."""
    return [
        Problem.of(raw.file, *raw.position(where), format_field_path(where), message, spec.code, severity=level)
        for spec, where, message, level in found
    ]
