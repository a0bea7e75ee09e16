"""Customer search: a lean index of plaincrm's own, loaded when the user starts to search.

Decision. Material's search (lunr in a web worker) keeps the hand-written pages; customers are
searched by `assets/search.js` in the same header search box, from `search/customers.js`, which
it loads on the first focus of the box. Measured at 10,000 customers (benchmarks/bench_site.py,
Chromium on loopback, 2 CPUs), Material's search over the same customers as Markdown pages (the
bench's baseline, 4.7 KB a customer) showed its first result 21.7 s after the first keystroke:
its bundle requests the whole index at every page view, with no option to wait, and its worker
builds a lunr index before answering (plaincrm's former lean entries still made 4.9 MB). lunr's pipeline also drops
the "A" of `A科技有限公司` as an English stop word, stems, matches only whole tokens between
zero-width spaces and ranks by BM25 over the text, so an exact tag or name comes below texts
that repeat a word; Material's `lang`, `separator`, `pipeline` and `fields` options tune that
pipeline for every page at once. Ours: 222 B a customer, 25.7 KB for a customer page view,
the first result 0.20 s after the first keystroke, and a ranking that puts exact fields first:

1. the whole query is a customer's id or name;
2. it is a tag, a contact's name, the owner (name or handle) or an option label (category,
   status, source, industry, tier) in either language;
3. it starts an id or a name (`A科技` finds `A科技有限公司`);
4. it is inside a name, then inside a tag, contact name or label, then inside the text
   (contact titles, needs, city). Matching inside a run of Chinese text finds every word jieba
   would cut (`运维` in `服务器运维解决方案`) without segmenting at build time.

Several words must each match (their scores add up). Case, full-width forms and invisible
characters (zero-width spaces, joiners, BOM, soft hyphens) are folded in search.js alone, for
the index and the query alike, and titles are shown without them. Phone numbers and e-mail
addresses are not in the index.

Material's search still segments the Chinese of the hand-written pages (it cuts each run of Han
characters with jieba and joins the words with zero-width spaces). `segment_theme_search` gives it
rjieba's cuts where rjieba is installed (jieba-rs: jieba's dictionary and algorithm compiled in, the
same cuts) and leaves jieba where it is not, or where the search plugin names a dictionary of its own
(`jieba_dict`, `jieba_dict_user`: only jieba reads those files). Measured on the runs of Han characters
in the sample's names, tags, notes, interaction topics and summaries (890 runs, 5,769 characters), each
segmenter in a fresh process, 2 loaded cores (`python -m tests.test_segmentation`): jieba imports in
0.03 s, loads its dictionary on its first cut in 0.85-0.99 s (from the cache it keeps in /tmp; 3.0 s
without it, as on a fresh CI machine) and cuts the sample ×100 in 2.1-2.4 s; rjieba imports in 0.13 s
(its dictionary is compiled in and built then), has no load on its first cut and cuts ×100 in 0.10-0.13 s,
about 20 times faster. A build whose pages hold Chinese saves the dictionary's load (the sample's Chinese
site: 2.2-5.4 s against 4.1-7.5 s with jieba, four ProperDocs builds each on that machine). Their cuts
are the same on every run of the sample and of the hand-written pages, through Material's own function,
and the Chinese site's search index is byte for byte the same (tests/test_segmentation.py). On words
joined by a hyphen they differ (jieba cuts `Wi-Fi` in three, rjieba keeps it whole), which never
reaches them here: Material hands over runs of Han characters alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from ..contract import get
from ..segments import SEGMENT_FIELDS
from .carrying import Same
from .i18n import text

CUSTOMER_SEARCH = "search/customers.js"  # search.js loads it from the site's root
LANGUAGES = ("en", "zh")  # option labels match in both, whatever the build's language
_LABELLED = tuple(name for name in SEGMENT_FIELDS if name not in ("owner", "tags"))
_TEXT = ("search_customers", "search_first")


def quiet_jieba() -> None:
    """jieba announces loading its dictionary on stderr at every build; keep builds quiet."""
    try:
        import jieba
    except ImportError:  # pragma: no cover - jieba is a dependency
        return
    jieba.setLogLevel(logging.WARNING)


def fast_cut() -> Callable[..., list[str]] | None:
    """rjieba's `cut(text, hmm=True)`, or None when rjieba is not installed (or not built for this machine)."""
    try:
        import rjieba
    except ImportError:
        return None
    return rjieba.cut


class JiebaCuts:
    """jieba's `cut` as Material's search calls it (UTF-8 bytes or text), answered by rjieba; anything
    else a caller asks of jieba (set_dictionary...) goes to jieba itself."""

    def __init__(self, cut: Callable[..., list[str]], jieba: Any):
        self._cut, self._jieba = cut, jieba

    def cut(self, sentence: str | bytes, cut_all: bool = False, HMM: bool = True) -> list[str]:
        text = sentence.decode("utf-8") if isinstance(sentence, bytes) else sentence
        if cut_all and self._jieba is not None:  # a mode Material does not use: jieba's own, not a second algorithm
            return list(self._jieba.cut(text, cut_all=True, HMM=HMM))
        return self._cut(text, hmm=HMM)

    def __getattr__(self, name: str) -> Any:
        if self._jieba is None:
            raise AttributeError(name)
        return getattr(self._jieba, name)


_THEIR_JIEBA: dict[str, Any] = {}  # a search plugin's module -> the jieba it imported (None: not installed)


def segment_theme_search(plugins: Any) -> str | None:
    """Give the theme's search (Material's: a plugin whose module imported `jieba` and which takes a
    `jieba_dict` option) rjieba's cuts, or its own jieba back where a dictionary of its own is named or
    rjieba is missing. Returns which cuts it uses ("rjieba" or "jieba"), None when no such plugin is loaded.
    Called at every configuration (each `serve` rebuild), so a changed configuration is followed."""
    quiet_jieba()
    cut = fast_cut()
    used = None
    for plugin in plugins.values():
        module: Any = sys.modules.get(type(plugin).__module__)
        options: Any = getattr(plugin, "config", None)
        if not hasattr(module, "jieba") or not hasattr(options, "get") or "jieba_dict" not in options:
            continue
        theirs = _THEIR_JIEBA.setdefault(module.__name__, module.jieba)
        if cut is None or options.get("jieba_dict") or options.get("jieba_dict_user"):
            module.jieba, used = theirs, "jieba" if theirs is not None else None
        else:
            module.jieba, used = JiebaCuts(cut, theirs), "rjieba"
    return used


def customer_search(
    views,
    url: Callable[[str], str],
    option_list: Callable[[str], str | None],
    lang: str,
    carried: Callable[[tuple, Callable[[], Any]], Any] | None = None,
) -> bytes:
    """The customer index search.js reads: per customer [id, name, url, label numbers (owner
    first), tags, contact names, text], and the labels' spellings once (`labels`).

    Labels are numbered in sorted order of the values the customers have, so a customer's row does
    not depend on the others' order; under `mkdocs serve`, `carried` (`SiteBuilder.carried`) keeps each
    row's JSON until the customer or that numbering changes (a rebuild encodes one row, not 10,000)."""
    options, team = views.dataset.project.options, views.dataset.team
    places = [(name, value) for name in ("owner", *_LABELLED) for value in sorted(views.groups.get(name, ()))]
    numbers = {place: number for number, place in enumerate(places)}
    numbering = hashlib.blake2b(repr(places).encode(), digest_size=16).hexdigest()

    def spellings(name: str, value: str) -> list[str]:
        if name == "owner":
            member = team.get(value)
            return list(dict.fromkeys([member.name, value] if member else [value]))
        listed = "tier" if name == "tier" else option_list(name)
        found = options.get(listed) if listed else None
        return list(dict.fromkeys([found.label(value, each) for each in LANGUAGES] if found else [value]))

    def row(view) -> str:
        model = view.model
        contacts = get(model, "contacts")
        words = [get(contact, "title") or "" for contact in contacts]
        words += [get(model, "needs") or "", get(model, "city") or ""]
        return compact(
            [
                view.id,
                model.name,
                url(view.id),
                [numbers[("owner", str(model.owner))]]
                + [numbers[(name, value)] for name in _LABELLED for value in view.segments[name]],
                list(get(model, "tags")),
                [contact.name for contact in contacts],
                " ".join(word for word in words if word),
            ]
        )

    keep = carried or (lambda _key, make: make())
    rows = [
        keep(("search-row", Same(view), url(view.id), numbering), partial(row, view))
        for view in views.customers.values()
    ]
    labels = [spellings(name, value) for name, value in places]
    data = {"labels": labels, "customers": Encoded(rows), "text": {key: text(key, lang) for key in _TEXT}}
    return data_script("plaincrmSearch", data)


class Encoded(list):
    """A list whose items are JSON texts already (rows kept from an earlier build): `compact` writes
    them as they are."""


def compact(data: object) -> str:
    """JSON without spaces, non-ASCII as is, as `json.dumps` writes it; an `Encoded` list anywhere
    inside goes in as its items."""
    if isinstance(data, Encoded):
        return "[" + ",".join(data) + "]"
    if not _holds_encoded(data):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if isinstance(data, dict):  # a key as json writes it (true, null, 1.5 become strings its way)
        key = lambda k: json.dumps({k: 0}, ensure_ascii=False, separators=(",", ":"))[1:-3]  # noqa: E731
        return "{" + ",".join(key(k) + ":" + compact(value) for k, value in data.items()) + "}"
    return "[" + ",".join(compact(item) for item in data) + "]"  # type: ignore[attr-defined]  # a list or tuple


def _holds_encoded(data: object) -> bool:
    if isinstance(data, Encoded):
        return True
    if isinstance(data, dict):
        return any(_holds_encoded(value) for value in data.values())
    return isinstance(data, (list, tuple)) and any(_holds_encoded(item) for item in data)


def data_script(name: str, data: object) -> bytes:
    """Data as a script setting `window[name]`: a script loads from a site opened from a folder, where
    fetch() does not. JSON.parse of a string, not an object literal: a key named "__proto__" stays a
    plain key, and parsing is faster; "<" escaped keeps the file inert even if someone inlines it."""
    payload = compact(data)
    literal = json.dumps(payload, ensure_ascii=False).replace("<", "\\u003c")
    return f"window.{name} = JSON.parse({literal});\n".encode()
