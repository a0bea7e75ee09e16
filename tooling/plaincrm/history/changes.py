"""A record's change, field by field: found once as language-neutral data (`ChangeWords.changes`), said in
the reader's language only when shown (`ChangeWords.lines`), so one cached history serves every language.

Works on the plain data of two versions of one record (as parsed from YAML), so it reads
any version in git, even one the schema of today would refuse. Contact details marked
`Masked` in the schema are shown masked, so the audit trail publishes no phone number.

    cooperation: not_started → active                      合作状态：未合作 → 合作中
    interaction added: 2024-05-10 phone 方案沟通             新增互动记录：2024-05-10 电话 方案沟通
    contact 张经理 phone changed: 138****5678 → 139****0000  联系人「张经理」的联系电话：138****5678 → 139****0000
    tags: +VIP −高意向                                      客户标签：+VIP −高意向

English says fields and option values as the record writes them (its keys are English words, and a
reviewer finds them in the file so); Chinese by the schema's labels. Team members are named
(records/team.yaml `name`) when the wording is given the team.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..masking import MASKERS
from ..modelkit import Masked, OptionRef, Ref, field_label, field_markers, marker_paths, unwrap
from ..privacy import redact

SUMMARY_FIELDS = 3  # a list item is named by its first scalars (date, channel, topic of an interaction)
LONG = 60  # longer texts are named as changed, not quoted

# A change as data: (kind, *arguments), only tuples, texts, numbers, booleans and None (the history cache is
# marshalled). A field's `name` is a tuple of steps: a key, or (list key, identity) for one item of a list.
Change = tuple
Shown = str | bool | None  # a value as shown (masked, redacted, shortened); booleans and None said per language

# The history's words (en, zh); `{}` fields are filled by `ChangeWords.line`.
WORDS: dict[str, tuple[str, str]] = {
    "created": ("created", "新建记录"),
    "deleted": ("deleted", "删除记录"),
    "set": ("{name} set: {new}", "填写{name}：{new}"),
    "removed": ("{name} removed (was {old})", "清空{name}（原为 {old}）"),
    "rewritten": ("{name} changed", "修改{name}"),
    "changed": ("{name}: {old} → {new}", "{name}：{old} → {new}"),
    "changed_masked": ("{name} changed: {old} → {new}", "{name}：{old} → {new}"),
    "list": ("{name}: {parts}", "{name}：{parts}"),
    "reordered": ("reordered", "调整顺序"),
    "item_added": ("{name} added: {summary}", "新增{name}：{summary}"),
    "item_removed": ("{name} removed: {summary}", "删除{name}：{summary}"),
    "renamed": ("file renamed: {old} → {new}", "文件重命名：{old} → {new}"),
    "copied": ("file copied: {old} → {new}", "文件复制：{old} → {new}"),
    "merged": ("merged into {target}", "已合并至 {target}"),
    "shallow": (
        "history before this commit is not in this clone (a shallow clone: fetch with fetch-depth: 0)",
        "此提交之前的历史不在这个克隆中（浅克隆：请以 fetch-depth: 0 获取）",
    ),
    "too_large": (
        "the file is too large to compare at this commit (over {limit:,} bytes)",
        "此次提交中的文件过大，无法比较（超过 {limit:,} 字节）",
    ),
    "before_too_large": (
        "changed (the version before is too large to compare)",
        "已修改（修改前的版本过大，无法比较）",
    ),
    "unreadable": ("the file could not be read at this commit ({reason})", "此次提交中的文件无法读取（{reason}）"),
    "before_unreadable": ("changed (the version before could not be read)", "已修改（修改前的版本无法读取）"),
    "line": ("line {line}: {message}", "第 {line} 行：{message}"),
    "not_utf8": ("not UTF-8 text", "不是 UTF-8 文本"),
    "missing": ("missing from this clone", "此克隆中缺少该文件"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    # why a history is missing or partial (`audit.History.reason`)
    "no_repository": ("not a git repository: no history", "不是 git 仓库：没有变更记录"),
    "no_commits": ("no commits yet: no history", "尚无提交：没有变更记录"),
    "partial": (
        "this is a shallow clone: the history shown is partial (fetch with fetch-depth: 0)",
        "这是浅克隆：显示的变更记录不完整（请以 fetch-depth: 0 获取）",
    ),
}


class ChangeWords:
    """Finds the changes between versions of records of one schema (masked paths learnt once) and says
    them in `lang`, fields by the schema's labels (zh), team members by `names` (handle → name)."""

    def __init__(
        self,
        models: dict[str, type] | None = None,
        mask_fields: list[str] | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        lang: str = "en",
        names: Mapping[str, str] | None = None,
    ):
        """`mask_fields`: the team's further masked fields (settings.mask_fields), masked as text, as
        every other output masks them."""
        from ..modelkit import resolve_field_paths

        self.lang = "zh" if lang == "zh" else "en"
        self._names = dict(names or {})
        self._masked: dict[tuple[str, ...], str] = {}
        for model in (models or {}).values():
            for path, marker in marker_paths(model, Masked):
                self._masked[tuple(p for p in path if p != "*")] = marker.how
        for paths in resolve_field_paths(models or {}, mask_fields or [], "mask_fields").values():
            for path in paths:
                self._masked.setdefault(tuple(p for p in path if p != "*"), "text")
        self._fields: dict[tuple[str, ...], tuple[str, Any, bool]] = {}  # path -> (label, option list, member)
        for model in (models or {}).values():
            self._learn(model, (), options or {})

    def _learn(self, model: Any, prefix: tuple[str, ...], options: Mapping[str, Any]) -> None:
        for name, info in model.model_fields.items():
            path = prefix + (name,)
            markers = field_markers(info)
            option = next((m for m in markers if isinstance(m, OptionRef)), None)
            member = any(isinstance(m, Ref) and m.target == "member" for m in markers)
            listed = options.get(option.name) if option is not None else None
            self._fields.setdefault(path, (field_label(info, name, self.lang), listed, member))
            inner = unwrap(info.annotation)[0]
            if isinstance(inner, type) and hasattr(inner, "model_fields"):
                self._learn(inner, path, options)

    # --- finding the changes -----------------------------------------------------------

    def record(self, old: dict | None, new: dict | None) -> list[str]:
        """The changes from `old` to `new` (None: the record did not exist), one line each."""
        return list(self.lines(self.changes(old, new)))

    def changes(self, old: dict | None, new: dict | None) -> list[Change]:
        """The changes from `old` to `new` as data (see `Change`)."""
        if old is None and new is None:
            return []
        if old is None:
            return [("created",)]
        if new is None:
            return [("deleted",)]
        return self._mapping(old, new, (), ())

    def _mapping(self, old: dict, new: dict, path: tuple[str, ...], name: tuple) -> list[Change]:
        found = []
        for key in list(dict.fromkeys([*old, *new])):
            if old.get(key) != new.get(key):
                found.extend(self._value(old.get(key), new.get(key), path + (str(key),), name + (str(key),)))
        return found

    def _value(self, old: Any, new: Any, path: tuple[str, ...], name: tuple) -> list[Change]:
        if isinstance(old, list) or isinstance(new, list):
            old_items, new_items = _as_list(old), _as_list(new)
            if all(_is_scalar(v) for v in old_items + new_items):
                added = tuple(_shown(v) for v in new_items if v not in old_items)
                removed = tuple(_shown(v) for v in old_items if v not in new_items)
                return [("list", name, added, removed)]
            return self._items(old_items, new_items, path, name)
        if isinstance(old, dict) and isinstance(new, dict):
            return self._mapping(old, new, path, name)
        show = self._shower(path)
        if old is None:
            return [("set", name, show(new))]
        if new is None:
            return [("removed", name, show(old))]
        if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > LONG:
            return [("rewritten", name)]
        return [("changed", name, show(old), show(new), path in self._masked)]

    def _items(self, old: list, new: list, path: tuple[str, ...], name: tuple) -> list[Change]:
        """Items compared as a multiset; an item removed and one added with the same first value
        (a contact's name, an interaction's date) are the same item, changed."""
        removed, added = list(old), []
        for item in new:
            if item in removed:
                removed.remove(item)
            else:
                added.append(item)
        found = []
        for item in added:
            key = _identity(item)
            match = next((r for r in removed if key is not None and _identity(r) == key), None)
            if match is not None:
                removed.remove(match)
                found.extend(self._mapping(match, item, path, name[:-1] + ((name[-1], _text(key)),)))
            else:
                found.append(("item_added", name, self._summary(item, path)))
        found.extend(("item_removed", name, self._summary(item, path)) for item in removed)
        return found

    def _summary(self, item: Any, path: tuple[str, ...]) -> tuple:
        if not isinstance(item, dict):
            return ((None, _shown(item)),)
        scalars = [(k, v) for k, v in item.items() if _is_scalar(v) and v is not None][:SUMMARY_FIELDS]
        return tuple((str(k), self._shower(path + (str(k),))(v)) for k, v in scalars)

    def _shower(self, path: tuple[str, ...]) -> Callable[[Any], Shown]:
        how = self._masked.get(path)
        if how is None:
            return _shown
        mask = MASKERS[how]
        return lambda value: _shown(
            value if not isinstance(value, str) or "*" in value else mask(value)
        )  # "*": masked already

    # --- saying them -------------------------------------------------------------------

    def lines(self, changes: Sequence[Change | str]) -> tuple[str, ...]:
        return tuple(self.line(change) for change in changes)

    def word(self, key: str, **fields: Any) -> str:
        return WORDS[key][self.lang == "zh"].format(**fields)

    def line(self, change: Change | str) -> str:
        if isinstance(change, str):  # a line said already (an entry made from text, as the feed's tests make)
            return change
        kind, args = change[0], change[1:]
        if kind in ("set", "removed", "rewritten", "changed", "list", "item_added", "item_removed"):
            name, path = args[0], _path(args[0])
            value = self._value_text
            if kind == "set":
                return self.word(kind, name=self._name(name), new=value(path, args[1]))
            if kind == "removed":
                return self.word(kind, name=self._name(name), old=value(path, args[1]))
            if kind == "rewritten":
                return self.word(kind, name=self._name(name))
            if kind == "changed":
                old, new, masked = args[1:]
                return self.word(
                    "changed_masked" if masked else kind,
                    name=self._name(name),
                    old=value(path, old),
                    new=value(path, new),
                )
            if kind == "list":
                added, removed = args[1:]
                parts = [f"+{value(path, v)}" for v in added] + [f"−{value(path, v)}" for v in removed]
                return self.word(kind, name=self._name(name), parts=" ".join(parts) or self.word("reordered"))
            summary = " ".join(value(path + ((key,) if key else ()), v) for key, v in args[1])
            return self.word(kind, name=self._name(name, item=True), summary=summary)
        if kind == "file":
            return self.word(args[0], old=args[1], new=args[2])
        if kind == "merged":
            return self.word(kind, target=args[0])
        if kind == "too_large":
            return self.word(kind, limit=args[0])
        if kind == "unreadable":
            why, line, message = args
            reason = self.word("line", line=line, message=message) if why == "line" else self.word(why)
            return self.word(kind, reason=reason)
        return self.word(kind)

    def _label(self, path: tuple[str, ...]) -> str:
        known = self._fields.get(path)
        return known[0] if known is not None and self.lang == "zh" else path[-1]

    def _name(self, name: tuple, *, item: bool = False) -> str:
        """A field's name: `contact 张经理 phone`, `size.revenue` (en, the record's keys; `item`: the last
        list's item, `contact`); `联系人「张经理」的联系电话`, `企业规模的年营收` (zh, the schema's labels)."""
        out, path = "", _NO_PATH
        for index, step in enumerate(name):
            key, identity = (step, None) if isinstance(step, str) else step
            path += (key,)
            last = index == len(name) - 1
            if self.lang == "zh":
                out += ("的" if out else "") + self._label(path)
                if identity is not None:
                    out += f"「{identity}」"
                continue
            word = _singular(key) if identity is not None or (item and last) else key
            out += ("." if out and not out.endswith(" ") else "") + word
            if identity is not None:
                out += f" {identity}" + ("" if last else " ")
        return out

    def _value_text(self, path: tuple[str, ...], value: Shown) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return self.word("yes" if value else "no")
        known = self._fields.get(path)
        if known is not None:
            _, listed, member = known
            if member:
                return self._names.get(value, value)
            if listed is not None and self.lang == "zh":
                return listed.label(value, "zh")
        return value


ENGLISH = ChangeWords()  # the record's own words, for a reader who has no schema at hand (tests, logs)


_NO_PATH: tuple[str, ...] = ()


def _path(name: tuple) -> tuple[str, ...]:
    return tuple(step if isinstance(step, str) else step[0] for step in name)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _identity(item: Any) -> Any:
    if isinstance(item, dict) and item:
        first = next(iter(item.values()))
        return first if _is_scalar(first) else None
    return None


def _singular(key: str) -> str:
    word = key.replace("_", " ")
    return word[:-1] if word.endswith("s") else word


def _shown(value: Any) -> Shown:
    return value if value is None or isinstance(value, bool) else _text(value)


def _text(value: Any) -> str:
    text = redact(str(value).replace("\n", " "))  # an old version may hold what validation now refuses
    return text if len(text) <= LONG else text[: LONG - 1] + "…"
