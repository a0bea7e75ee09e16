"""A record's YAML text cut at its top-level keys, without parsing it.

A record is a block mapping, so every top-level field starts a line at column 0 with its key.
Cutting there lets the history parse only the fields that changed and lets `crm fmt` move
whole fields (with the comments written above them) without a YAML library rearranging them.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Any

TOP_LEVEL = re.compile(r"^(?=[^\s#\-.%])", re.M)  # a line starting a top-level key
# The key's line up to its first ':' or '#' (greedy and on one line, so a long line costs its length
# once: a lazy key followed by `\s*:` tried every split of a line of spaces, quadratic in its length).
KEY = re.compile(r"([^:#\s][^:#\n]*):(?=\s|$)")


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
        key = match.group(1).rstrip().strip("'\"")
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
# items), in the style of the sample records. Every writer quotes text by one rule, `text_style`.


def _emit(value: Any) -> str:
    """A number, a boolean or null, as libyaml writes it."""
    import yaml

    text = yaml.dump(value, Dumper=_DUMPER, default_flow_style=False, allow_unicode=True, width=1 << 30)
    return text.removesuffix("\n...\n").removesuffix("\n")


_PLAIN = re.compile(r"[^\W\d_][\w.\-]*(?: [\w.\-]+)*")  # a word first, no YAML syntax anywhere
_NEEDS_ESCAPES = re.compile("[\t\n\r\x85\u2028\u2029]")  # what single quotes would fold or break on
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\t": "\\t",
    "\n": "\\n",
    "\r": "\\r",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
TIMESTAMP = "tag:yaml.org,2002:timestamp"
STR = "tag:yaml.org,2002:str"  # as loading names it


def plain_tag(text: str) -> str:
    """The tag a plain scalar gets when read: the project's loader's (YAML 1.1 booleans, numbers and
    null; never a date), or a timestamp where a YAML 1.1 reader such as ruamel or an editor would
    take it for a date."""
    from yaml.nodes import ScalarNode

    tag = _loader_resolver().resolve(ScalarNode, text, (True, False))
    if tag == STR and text[:1].isdigit() and _timestamp().match(text):
        return TIMESTAMP
    return tag


@functools.lru_cache(maxsize=1)
def _loader_resolver():
    from .loading import StrictResolver

    return StrictResolver()


def text_style(text: str, flow: bool = False) -> str:
    """The one quoting rule of every writer: '' (plain) only when the project's loader reads the text
    written plain back as the same text (as a value and as a key; `flow`: also in a flow list and
    mapping) and no reader takes it for a date; else "'", or '"' for text with tabs or line breaks
    (which single quotes would fold), escaped."""
    if _plain_reads_back(text, flow):
        return ""
    return '"' if _NEEDS_ESCAPES.search(text) else "'"


def _plain_reads_back(text: str, flow: bool) -> bool:
    if plain_tag(text) != STR:
        return False
    if _PLAIN.fullmatch(text):
        return True  # most values (names, handles, option values): no need to parse
    if not text or _NEEDS_ESCAPES.search(text) or text != text.strip(" "):
        return False
    return _probe(text, flow) if len(text) > 200 else _probe_cached(text, flow)


def _probe(text: str, flow: bool) -> bool:
    from .loading import parse_text
    from .problems import ProblemError

    probe, expected = f"a: {text}\nb:\n  {text}: x\n", {"a": text, "b": {text: "x"}}
    if flow:
        probe, expected = probe + f"c: [{text}]\nd: {{k: {text}}}\n", {**expected, "c": [text], "d": {"k": text}}
    try:
        return parse_text(probe, "").data == expected
    except ProblemError:
        return False


_probe_cached = functools.lru_cache(maxsize=4096)(_probe)


@functools.lru_cache(maxsize=1)
def _timestamp():
    import yaml

    return next(regexp for tag, regexp in yaml.resolver.Resolver.yaml_implicit_resolvers["0"] if tag == TIMESTAMP)


def quote(text: str, flow: bool = False) -> str:
    """`text` as a YAML scalar that reads back as itself (see `text_style`). A character YAML refuses
    (a control character) is written as it is, so the record's check names it and its position."""
    style = text_style(text, flow)
    if style == "":
        return text
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def scalar(value: Any, flow: bool = False) -> str:
    if isinstance(value, str):
        return quote(value, flow)
    if isinstance(value, date):
        return value.isoformat()
    return _emit(value)


def inline(value: Any) -> str:
    """A value on one line: [a, b], {name: 李总, phone: '139…'}, or a scalar."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(key, True)}: {_in_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_in_flow(item) for item in value) + "]"
    return scalar(value)


def _in_flow(value: Any) -> str:
    return inline(value) if isinstance(value, (list, dict)) else scalar(value, True)


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
