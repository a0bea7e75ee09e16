"""A record's YAML text cut at its top-level keys, without parsing it.

A record is a block mapping, so every top-level field starts a line at column 0 with its key.
Cutting there lets the history parse only the fields that changed and lets `crm fmt` move
whole fields (with the comments written above them) without a YAML library rearranging them.
"""

from __future__ import annotations

import re

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
    out = head + "".join(fields[i][1] for i in ranked) + above
    return out if text.endswith("\n") or not out.endswith("\n") else out
