"""Search index entries for customer pages, in the shape Material for MkDocs reads.

Entries are lean (name, contacts, tags, needs: not the timeline) and escaped as
Material escapes page text. Chinese runs are segmented with jieba and joined by
zero-width spaces, exactly as Material does for its own pages, so that a search for
运维 finds 服务器运维解决方案.
"""

from __future__ import annotations

import html
import logging
import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _jieba():
    try:
        import jieba
    except ImportError:  # pragma: no cover - jieba is a dependency
        return None
    return jieba


def quiet_jieba() -> None:
    """jieba announces loading its dictionary on stderr at every build; keep builds quiet."""
    jieba = _jieba()
    if jieba is not None:
        jieba.setLogLevel(logging.WARNING)


def segment_chinese(text: str) -> str:
    jieba = _jieba()
    if jieba is None or not _HAN.search(text):
        return text
    return _HAN.sub(lambda m: "\u200b" + "\u200b".join(jieba.cut(m.group(0))) + "\u200b", text).strip("\u200b")


def search_entry(location: str, title: str, text: str) -> dict:
    return {
        "location": location,
        "title": segment_chinese(html.escape(title, quote=False)),
        "text": segment_chinese(html.escape(text, quote=False)),
    }


def prepare() -> None:
    """Load jieba's dictionary now (before forking, so worker processes share it)."""
    jieba = _jieba()
    if jieba is not None:
        jieba.initialize()
