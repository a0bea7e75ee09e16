"""The Atom feed (RFC 4287) of the latest changes to records, so a reviewer can subscribe.

Commit subjects, authors and record names are anyone's text: each is written without the
characters XML 1.0 forbids (a pasted control character would make the whole feed unreadable)
and, where two texts share a line, bidi-isolated (a right-to-left override in a name must not
reverse the subject after it in a feed reader)."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from ..escaping import isolated, xml_text
from ..history.audit import Entry

ATOM_NS = "http://www.w3.org/2005/Atom"


def escape(text: str) -> str:
    return _escape(xml_text(text))


def quoteattr(text: str) -> str:
    return _quoteattr(xml_text(text))


def atom_feed(
    entries: list[Entry],
    *,
    title: str,
    feed_id: str,
    page_url: str,
    describe: Callable[[Entry], tuple[str, str | None]],
) -> bytes:
    """`describe(entry)` gives the record's name and its page's URL (None for a deleted record).
    The feed's time is its newest change's, so the same history gives the same file."""
    updated = entries[0].date if entries else "1970-01-01T00:00:00Z"
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}">',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(feed_id)}</id>",
        f"<updated>{escape(updated)}</updated>",
        f'<link rel="alternate" href={quoteattr(page_url)}/>',
        "<generator>plaincrm</generator>",
    ]
    for entry in entries:
        name, url = describe(entry)
        summary = "\n".join(entry.lines)
        out += [
            "<entry>",
            f"<title>{escape(f'{isolated(name)}: {isolated(entry.subject)}')}</title>",
            f"<id>{escape(f'urn:plaincrm:change:{entry.sha}:{entry.path}')}</id>",
            f"<updated>{escape(entry.date)}</updated>",
            f"<author><name>{escape(entry.author)}</name></author>",
            *([f'<link rel="alternate" href={quoteattr(url)}/>'] if url else []),
            f"<summary>{escape(summary)}</summary>",
            "</entry>",
        ]
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")
