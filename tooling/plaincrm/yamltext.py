"""A record's YAML text cut at its top-level keys, without parsing it.

A record is a block mapping, so every top-level field starts a line at column 0 with its key.
Cutting there lets the history parse only the fields that changed and lets `crm fmt` move
whole fields (with the comments written above them) without a YAML library rearranging them.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

TOP_LEVEL = re.compile(r"^(?=[^\s#\-.%])", re.M)  # a line starting a top-level key
KEY = re.compile(r"^([^:#\s][^:#]*?)\s*:(?:\s|$)")


class NotBlockMapping(ValueError):
    """The text is not a plain block mapping of unique keys (a document marker, a top-level list, …)."""


def top_level_pieces(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(the comments before the first key, [(key, its text as written) …]). A piece runs to the next
    top-level key, so comment lines written above a key end the piece before it."""
    pieces = TOP_LEVEL.split(text)
    head = pieces[0]
    if head and not all(not line.strip() or line.lstrip().startswith("#") for line in head.split("\n")):
        raise NotBlockMapping("a document marker, a directive or a top-level list before the first key")
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for piece in pieces[1:]:
        match = KEY.match(piece)
        if match is None:
            raise NotBlockMapping(f"not a key: {piece.splitlines()[0]!r}")
        key = match.group(1).strip("'\"")
        if key in seen:
            raise NotBlockMapping(f"the key {key!r} is written twice")
        seen.add(key)
        found.append((key, piece))
    return head, found


def split_trailer(piece: str) -> tuple[str, str]:
    """A piece's own lines (ending in a newline) and the column-0 comments and blank lines after
    them, which are written above the next key and belong to it."""
    lines = piece.splitlines(keepends=True)
    cut = len(lines)
    while cut > 1 and (lines[cut - 1].startswith("#") or not lines[cut - 1].strip()):
        cut -= 1
    body = "".join(lines[:cut])
    return (body if body.endswith("\n") else body + "\n"), "".join(lines[cut:])


def reorder(text: str, order: list[str]) -> str:
    """The text with its top-level fields in `order` (keys not named keep their order, after those
    named). Comment lines and blank lines above a key move with it."""
    head, pieces = top_level_pieces(text)
    fields: list[tuple[str, str]] = []
    above = ""
    for key, piece in pieces:
        body, trailer = split_trailer(piece)
        fields.append((key, above + body))
        above = trailer
    rank = {key: index for index, key in enumerate(order)}
    ranked = sorted(range(len(fields)), key=lambda i: (rank.get(fields[i][0], len(rank)), i))
    return head + "".join(fields[i][1] for i in ranked) + above


# --- writing fields ----------------------------------------------------------------------------
# Text for the few shapes a record's fields take (a scalar, an inline list or mapping, a list of
# items), in the style of the sample records. libyaml's emitter quotes each value: it knows when
# text would read back as a number, a date, a boolean or as YAML syntax.

def _emit(value: Any, flow: bool) -> str:
    import yaml

    text = yaml.dump(value, Dumper=_DUMPER, default_flow_style=flow, allow_unicode=True, width=1 << 30, sort_keys=False)
    return text.removesuffix("\n...\n").removesuffix("\n")


_PLAIN = re.compile(r"[^\W\d_][\w.\-]*(?: [\w.\-]+)*")  # a word first, no YAML syntax anywhere
_WORDS_OF_YAML = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def scalar(value: Any) -> str:
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _WORDS_OF_YAML:
            return value  # most values (names, handles, option values): no need to ask libyaml
        if any(ch in value for ch in "\n\r\t\x85\u2028\u2029"):
            return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    elif isinstance(value, date):
        return value.isoformat()
    return _emit(value, False)


def inline(value: Any) -> str:
    """A value on one line: [a, b], {name: 李总, phone: '139…'}, or a scalar."""
    if isinstance(value, (list, dict)):
        return _emit(value, True)
    return scalar(value)


def field_text(key: str, value: Any, *, inline_items: bool = True) -> str:
    """One top-level field; a list of mappings as a block list of items (inline when short)."""
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return f"{scalar(key)}:\n" + "".join(item_text(item, inline_items) for item in value)
    return f"{scalar(key)}: {inline(value)}\n"


def item_text(item: dict, inline_item: bool) -> str:
    if inline_item:
        return f"  - {inline(item)}\n"
    lines = [f"{scalar(key)}: {inline(value)}" for key, value in item.items()]
    return "  - " + "\n    ".join(lines) + "\n"


def _dumper():
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_DUMPER = _dumper()
