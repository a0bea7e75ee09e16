"""Parse only what changed between two versions of a record file.

Describing 50,000 commits' worth of changes cannot afford two whole-file YAML parses per
change (a millisecond each). A record is a block mapping: every top-level field starts a
line at column 0, and every item of a block list starts with "- " at the list's indent. So
the two texts are cut at those lines, equal pieces are set aside unparsed, and only the
pieces that differ are parsed (each piece on its own, memoised by its text). Anything this
cutting cannot vouch for (anchors, a document marker, a piece that does not parse as a
one-key mapping) makes the caller parse the whole files instead.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..yamltext import NotBlockMapping, top_level_pieces

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ANCHOR = re.compile(r"(?:^|[\s\[{,:])[&*!][^\s\d*]")  # anchors, aliases, tags: leave to the whole-file parser


class Unsure(Exception):
    """The cut is not safe for this text: parse the whole file."""


def _parse(text: str, memo: dict[str, Any]) -> Any:
    if text not in memo:
        if _ANCHOR.search(text):
            raise Unsure  # an anchor here may be used by a piece left unparsed
        try:
            memo[text] = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:
            raise Unsure from None
    return memo[text]


def _blocks(text: str) -> dict[str, str]:
    """Top-level key -> its text as written (comments and blank lines included: pieces that differ
    only in those parse to equal values and say nothing)."""
    try:
        return dict(top_level_pieces(text)[1])
    except NotBlockMapping:
        raise Unsure from None


def _items(block: str) -> list[str] | None:
    """The item texts of a block list ("key:" then lines "  - …"), or None if the block is not one."""
    lines = block.rstrip("\n").split("\n")
    if len(lines) < 2 or lines[0].split(":", 1)[1].split("#", 1)[0].strip():
        return None
    first = next((line for line in lines[1:] if line.strip() and not line.lstrip().startswith("#")), "")
    indent = len(first) - len(first.lstrip())
    if not first[indent:].startswith("- ") and first[indent:] != "-":
        return None
    items: list[list[str]] = []
    for line in lines[1:]:
        stripped = line[indent:]
        if line[:indent].strip() == "" and (stripped.startswith("- ") or stripped == "-"):
            items.append([line])
        elif not line.strip() or line.lstrip().startswith("#") or len(line) - len(line.lstrip()) > indent:
            if items:
                items[-1].append(line)
        else:
            raise Unsure
    return ["\n".join(item) for item in items]


def changed_parts(old_text: str, new_text: str, memo: dict[str, Any]) -> tuple[dict, dict]:
    """The two versions' data, restricted to the fields that differ (and, in block lists, to the items
    that differ), in file order. Raises Unsure when the whole files must be parsed instead."""
    old_blocks, new_blocks = _blocks(old_text), _blocks(new_text)
    old_part: dict[str, Any] = {}
    new_part: dict[str, Any] = {}
    for key in dict.fromkeys([*old_blocks, *new_blocks]):
        before, after = old_blocks.get(key), new_blocks.get(key)
        if before == after:
            continue
        old_items = _items(before) if before is not None else None
        new_items = _items(after) if after is not None else None
        if old_items is not None and new_items is not None:
            kept = list(old_items)
            added = []
            for item in new_items:
                if item in kept:
                    kept.remove(item)  # the same text on both sides: unchanged, never parsed
                else:
                    added.append(item)
            old_part[key] = [_one(_parse(item, memo)) for item in kept]
            new_part[key] = [_one(_parse(item, memo)) for item in added]
            continue
        for block, part in ((before, old_part), (after, new_part)):
            if block is not None:
                parsed = _parse(block, memo)
                if not isinstance(parsed, dict) or len(parsed) != 1:
                    raise Unsure
                part[key] = next(iter(parsed.values()))
    return old_part, new_part


def _one(parsed: Any) -> Any:
    if not isinstance(parsed, list) or len(parsed) != 1:
        raise Unsure
    return parsed[0]
