"""Customer search in the header search box, in real Chromium, in an English and a Chinese build.

One test per kind of query people type (a full company name, a partial one, a Chinese word inside a
longer text, an id, a tag, an owner's name and handle, an option label in either language): exact
fields first, then the rest. Titles carry no invisible characters, and no page view loads the
index until the search box is focused. The site is this repository's records plus a branch of
A科技有限公司, a decoy whose text repeats every query, and a name written with zero-width
characters. Reuses test_browser's browser and server.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .sitekit import make_site_repo, mkdocs_build
from .test_browser import Watched, _serve, browser  # noqa: F401  (browser: a fixture used here)

pytestmark = pytest.mark.browser

A_TECH, BRANCH, DECOY, INVISIBLE_NAME = "C20240501001", "C20261201001", "C20261201002", "C20261201003"
INDEX = "search/customers.js"
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
SHOWN = 20  # search.js lists this many


def _record(customer_id: str, name: str, owner: str, category: str, **more: str) -> str:
    lines = [
        f"id: {customer_id}",
        "kind: company",
        f"name: {name}",
        "industry: other",
        "source: other",
        f"category: {category}",
        "cooperation: not_started",
        f"owner: {owner}",
    ]
    return "\n".join(lines + [f"{key}: {value}" for key, value in more.items()]) + "\n"


EXTRA = {
    f"{BRANCH}.yaml": _record(BRANCH, "A科技有限公司北京分公司", "wang.fang", "new"),
    f"{DECOY}.yaml": _record(
        DECOY,
        "恒达贸易",
        "emma.hu",
        "existing",
        needs="高意向 高意向 A科技有限公司 A科技 李伟 li.wei 潜在客户 Potential C20240501001",
    ),
    f"{INVISIBLE_NAME}.yaml": _record(INVISIBLE_NAME, '"零\\u200b宽\\u200c科技\\ufeff"', "zhang.min", "new"),
}


@pytest.fixture(scope="module", params=["en", "zh"])
def site(request, tmp_path_factory):
    """(base URL, the repository built) of a site served on loopback."""
    root = make_site_repo(tmp_path_factory.mktemp(f"search-{request.param}"), extra=EXTRA, language=request.param)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    server = _serve(root / "out")
    yield f"http://127.0.0.1:{server.server_address[1]}/", root
    server.shutdown()


@pytest.fixture(scope="module")
def searcher(browser, site):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context.new_page())
    watched.page.goto(site[0] + "index.html")
    watched.page.locator(".md-search__input").first.click()
    yield watched
    context.close()


def search(watched: Watched, query: str) -> list[str]:
    """The customer ids the header search lists for `query`, in order."""
    page = watched.page
    page.locator(".md-search__input").first.fill(query)
    page.wait_for_function("q => document.querySelector('.pcrm-search').dataset.query === q", arg=query)
    hrefs = page.eval_on_selector_all(".pcrm-search .md-search-result__link", "els => els.map(e => e.href)")
    assert watched.errors == []
    return [re.search(r"customers/(\w+)\.html$", href)[1] for href in hrefs]


def records(root: Path) -> dict[str, dict]:
    out = {}
    for path in (root / "records" / "customers").glob("*.yaml"):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[record["id"]] = record
    return out


def _first(found: list[str], expected: set[str]) -> None:
    """`expected` are the first results, before any other."""
    assert expected and set(found[: len(expected)]) == expected, (found, expected)


def test_a_full_company_name_ranks_that_company_first(searcher):
    found = search(searcher, "A科技有限公司")
    assert found[:2] == [A_TECH, BRANCH] and DECOY in found[2:]


def test_a_partial_company_name_finds_the_companies_it_starts(searcher):
    found = search(searcher, "A科技")
    assert found[:2] == [A_TECH, BRANCH] and DECOY in found[2:]
    assert search(searcher, "ａ科技")[:2] == [A_TECH, BRANCH]  # full-width and lower case fold


def test_a_chinese_word_inside_a_longer_text(searcher):
    assert A_TECH in search(searcher, "运维")  # needs: 需要服务器运维解决方案


def test_an_id_ranks_its_customer_first(searcher):
    assert search(searcher, A_TECH)[0] == A_TECH
    assert search(searcher, "c20240501001")[0] == A_TECH


def test_a_tag_ranks_every_tagged_customer_first(searcher, site):
    tagged = {cid for cid, record in records(site[1]).items() if "高意向" in (record.get("tags") or [])}
    assert len(tagged) == 4
    found = search(searcher, "高意向")
    _first(found, tagged)
    assert DECOY in found[len(tagged) :]


@pytest.mark.parametrize("owner", ["李伟", "li.wei"])
def test_an_owner_name_or_handle_ranks_their_customers_first(searcher, site, owner):
    theirs = {cid for cid, record in records(site[1]).items() if record["owner"] == "li.wei"}
    found = search(searcher, owner)
    _first(found, theirs)
    assert DECOY in found[len(theirs) :]


@pytest.mark.parametrize("label", ["潜在客户", "Potential", "potential"])
def test_an_option_label_in_either_language_finds_its_customers(searcher, site, label):
    potential = {cid for cid, record in records(site[1]).items() if record["category"] == "potential"}
    found = search(searcher, label)
    _first(found, potential)
    assert DECOY in found[len(potential) :]


def test_several_words_must_each_match(searcher, site):
    both = {cid for cid, r in records(site[1]).items() if r["owner"] == "li.wei" and "高意向" in (r.get("tags") or [])}
    found = search(searcher, "李伟 高意向")
    _first(found, both)
    assert found[len(both) :] == [DECOY]  # the only other customer with both words, in its text


def test_titles_show_no_invisible_characters(searcher):
    found = search(searcher, "零宽科技")  # typed without the zero-width characters the record holds
    assert found[0] == INVISIBLE_NAME
    titles = searcher.page.eval_on_selector_all(".pcrm-search h1", "els => els.map(e => e.textContent)")
    assert titles[0] == "零宽科技"
    search(searcher, "科技")
    titles = searcher.page.eval_on_selector_all(".pcrm-search h1", "els => els.map(e => e.textContent)")
    assert len(titles) > 2 and not any(INVISIBLE.search(title) for title in titles)


def test_the_index_loads_only_when_the_user_starts_to_search(browser, site):  # noqa: F811
    context = browser.new_context()
    try:
        watched = Watched(context.new_page())
        watched.page.goto(site[0] + f"customers/{A_TECH}.html")
        watched.page.wait_for_load_state("networkidle")
        assert not [url for url in watched.requests if url.endswith(INDEX)]
        with watched.page.expect_request(lambda request: request.url.endswith(INDEX)):
            watched.page.locator(".md-search__input").first.focus()
        assert watched.foreign_requests() == [] and watched.errors == []
    finally:
        context.close()


# --- every exact field, whatever its value: its customers come first --------------------------------


def _fold(value: str) -> str:
    """As search.js folds index and query."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", value)).lower()


def exact_values(root: Path) -> dict[str, set[str]]:
    """Each exact field value (folded) -> the customers that have it: id, name, tag, contact name, owner
    (name or handle), option label in both languages. A tier label (derived, not in the record) is left out."""
    from plaincrm.project import Project

    options = Project(root).options
    team = {m["handle"]: m["name"] for m in yaml.safe_load((root / "records" / "team.yaml").read_text())["members"]}
    tiers = {_fold(options["tier"].label(v, lang)) for v in options["tier"].values for lang in ("en", "zh")}
    lists = {"category": "category", "cooperation": "cooperation", "source": "source", "industry": "industry"}
    out: dict[str, set[str]] = {}
    for cid, record in records(root).items():
        values = [cid, record["name"], record["owner"], team[record["owner"]], *(record.get("tags") or [])]
        values += [contact["name"] for contact in record.get("contacts") or []]
        values += [options[lists[f]].label(record[f], lang) for f in lists for lang in ("en", "zh")]
        for value in values:
            out.setdefault(_fold(str(value)), set()).add(cid)
    return {value: ids for value, ids in out.items() if value and value not in tiers and " " not in value}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_exact_field_value_lists_its_customers_first(searcher, site, data):
    values = exact_values(site[1])
    value = data.draw(st.sampled_from(sorted(values)))
    found = search(searcher, value)
    expected = values[value]
    assert set(found[: min(len(expected), SHOWN)]) <= expected, (value, found, expected)
    if len(expected) <= SHOWN:
        assert expected <= set(found), (value, found, expected)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


_KEYS = st.text(max_size=5) | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    head=st.dictionaries(_KEYS, _JSON, max_size=3),
    rows=st.lists(_JSON, max_size=5),
    where=st.sampled_from(["top", "in a list", "deeper"]),
)
def test_rows_kept_as_json_text_make_the_same_file_as_encoding_them_anew(head, rows, where):
    """A rebuild joins the rows it kept as text (`Encoded`); the script must be byte for byte the one
    encoding them all would give, whatever the text holds (quotes, "<", U+2028, lone surrogates), wherever
    the kept rows sit and whatever the other keys are (json writes True as "true")."""
    from plaincrm.site.search import Encoded, compact, data_script

    def place(value):
        return {"top": value, "in a list": [1, value], "deeper": {"a": [{"b": value}]}}[where]

    data = {**head, "rows": place(rows)}
    kept = {**head, "rows": place(Encoded(compact(row) for row in rows))}
    assert data_script("x", kept) == data_script("x", data)
