"""Segment and owner pages at any size: the most urgent rows as HTML with a count and a link to all of
them, and the customer index's table component (sorting, filtering, every customer of the segment) fixed
to the segment; no page grows with the segment it lists. Browser tests reuse test_browser_index's site."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from plaincrm.dataset import load_dataset
from plaincrm.project import Project
from plaincrm.site import pages
from plaincrm.site.build import build_for_site
from plaincrm.views import derive

from .conftest import REPO
from .sitekit import mkdocs_build
from .test_browser import Watched, browser  # noqa: F401  (a fixture used here)
from .test_browser_index import PHONE, site  # noqa: F401  (a fixture used here)

TODAY = date(2026, 11, 29)
URGENT = {"red": 0, "amber": 1, "green": 2, "grey": 3}  # not contacted within the tier's cadence first
ROW_ID = re.compile(r'<tr><td><span class="pcrm-dot pcrm-(\w+)"[^>]*></span></td><td><a href="[^"]*">([^<]+)</a>')


def _urgent_first(views, ids: list[str]) -> list[str]:
    """The order the pages promise, restated: overdue first, then the longest without contact, then id."""
    rows = [views.customers[i] for i in ids]
    return [v.id for v in sorted(rows, key=lambda v: (URGENT[v.freshness], v.facts.last_contact or date.min, v.id))]


@pytest.fixture(scope="module")
def small_lists():
    """The sample built with lists of 3 rows, and its views."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "LIST_ROWS", 3)
        site = build_for_site(REPO, today=TODAY, history=False)[1]
    return {p.src: p.html for p in site.pages}, _views(REPO)


def _views(root: Path):
    return derive(load_dataset(Project(root), masked=True), TODAY)


def test_a_segment_page_shows_the_most_urgent_rows_with_the_count_and_a_link(small_lists):
    html_of, views = small_lists
    for name, value in (("cooperation", "active"), ("tier", "risk_warning"), ("owner", "li.wei")):
        ids = views.groups[name][value]
        assert len(ids) > 3, (name, value)
        html = html_of[f"segments/{name}/{value}.md"]
        static = html.split('class="pcrm-static"')[1].split('class="pcrm-index"')[0]
        assert [cid for _, cid in ROW_ID.findall(static)] == _urgent_first(views, ids)[:3]
        assert f"<strong>{len(ids)}</strong>" in html and f"Not listed here: {len(ids) - 3} · " in static
        assert f'href="../../customers/index.html?{name}={value}&amp;sort=freshness"' in static
        assert f'data-fixed="{name}={value}" data-sort="freshness" data-base="../../customers/"' in html
        assert html.count("<tr><td>") == 3  # the rest are data the page reads, not HTML


def test_an_owner_page_lists_their_customers_the_same_way(small_lists):
    html_of, views = small_lists
    ids = views.groups["owner"]["li.wei"]
    customers = html_of["owners/li.wei.md"].split("<h2>Customers (")[1]
    assert customers.startswith(f"{len(ids)})")
    assert [cid for _, cid in ROW_ID.findall(customers)] == _urgent_first(views, ids)[:3]
    assert 'href="../customers/index.html?owner=li.wei&amp;sort=freshness"' in customers
    assert 'data-fixed="owner=li.wei"' in customers and 'data-base="../customers/"' in customers


# --- in Chromium -----------------------------------------------------------------------------------

SEGMENT = "segments/cooperation/not_started.html"  # the browser site's 203 added customers are all here


@pytest.fixture
def context(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def _open(context, site, path: str, query: str = ""):  # noqa: F811
    watched = Watched(context.new_page())
    watched.page.goto(site[0] + path + query)
    watched.page.wait_for_function("(document.querySelector('.pcrm-index .pcrm-status') || {}).textContent")
    return watched


def _segment_rows(page, **fixed: str) -> list[list]:
    """The index data's rows of one segment (the component filters the same data)."""
    return page.evaluate(
        """fixed => { const d = plaincrmIndex, col = Object.fromEntries(d.columns.map((c, i) => [c, i]));
             return d.rows.filter(r => Object.entries(fixed).every(([f, v]) => r[col[f]].includes(v))); }""",
        fixed,
    )


def _status(page) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", page.locator(".pcrm-status").inner_text())]


@pytest.mark.browser
def test_segment_table_shows_all_its_customers_and_sorts_and_filters_like_the_index(context, site):  # noqa: F811
    watched = _open(context, site, SEGMENT)
    p = watched.page
    rows = _segment_rows(p, cooperation="not_started")
    assert len(rows) > pages.LIST_ROWS and _status(p) == [min(200, len(rows)), len(rows), len(rows)]
    assert not p.locator(".pcrm-static").is_visible() and p.locator(".pcrm-index").is_visible()
    assert p.locator('input[data-facet="cooperation"]').count() == 0  # the segment is fixed, not a choice
    p.locator('input[data-facet="owner"][value="li.wei"]').check()
    p.wait_for_function("location.search.includes('owner=li.wei')")
    mine = _segment_rows(p, cooperation="not_started", owner="li.wei")
    assert _status(p)[1] == len(mine) and "cooperation=" not in p.evaluate("location.search")
    p.locator("th.pcrm-sortable button").nth(1).click()  # by id
    p.wait_for_function("location.search.includes('sort=id')")
    assert p.locator("td.pcrm-col-id").all_inner_texts() == sorted(r[0] for r in mine)
    p.locator(".pcrm-toolbar .pcrm-clear").click()
    p.wait_for_function("!location.search.includes('owner=')")
    assert _status(p)[1] == len(rows)
    first = p.locator("td.pcrm-col-name a").first
    first.click()
    p.wait_for_url(re.compile(r"/customers/C\d+\.html$"))
    assert watched.errors == []


@pytest.mark.browser
def test_the_table_starts_with_the_rows_the_page_holds_as_html(browser, site):  # noqa: F811
    """Most urgent first in both: equal (freshness, last contact) in the same order (ties may differ)."""
    plain = browser.new_context(java_script_enabled=False)
    try:
        p = plain.new_page()
        p.goto(site[0] + SEGMENT)
        static = p.evaluate(
            """() => Array.from(document.querySelectorAll('.pcrm-static tbody tr')).map(tr =>
                 [tr.querySelector('.pcrm-dot').className, tr.cells[6].textContent])"""
        )
    finally:
        plain.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        p = _open(context, site, SEGMENT).page
        table = p.evaluate(
            """n => Array.from(document.querySelectorAll('.pcrm-index-table tbody tr')).slice(0, n).map(tr =>
                 [tr.querySelector('.pcrm-dot').className, tr.querySelector('.pcrm-col-last_contact').textContent])""",
            len(static),
        )
        assert len(static) == pages.LIST_ROWS and table == static
        assert p.locator(".pcrm-static").count() == 0  # replaced, not kept hidden beside the table
        assert p.locator("th[aria-sort]").inner_text() == p.locator("th.pcrm-sortable").first.inner_text()
    finally:
        context.close()


@pytest.mark.browser
def test_an_owner_page_table_is_fixed_to_the_owner(context, site):  # noqa: F811
    p = _open(context, site, "owners/emma.hu.html").page
    rows = _segment_rows(p, owner="emma.hu")
    assert _status(p)[1:] == [len(rows), len(rows)] and len(rows) > 200
    assert p.locator('input[data-facet="owner"]').count() == 0 and not p.locator(".pcrm-mine").is_visible()
    p.locator(".pcrm-index .pcrm-more").click()  # the table's own "Show more"
    p.wait_for_function("document.querySelectorAll('.pcrm-index-table tbody tr').length > 200")
    assert p.locator(".pcrm-index-table tbody tr").count() == len(rows)


@pytest.mark.browser
def test_without_javascript_the_page_shows_the_most_urgent_rows_and_the_link(browser, site):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    try:
        p = context.new_page()
        p.goto(site[0] + SEGMENT)
        assert p.locator(".pcrm-static tbody tr").count() == pages.LIST_ROWS
        assert not p.locator(".pcrm-index").is_visible()
        link = p.locator(".pcrm-static .pcrm-more a")
        assert link.is_visible() and link.get_attribute("href").endswith(
            "customers/index.html?cooperation=not_started&sort=freshness"
        )
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", [SEGMENT, "owners/emma.hu.html"])
def test_phone_segment_and_owner_tables_do_not_scroll_sideways(browser, site, path):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    try:
        p = _open(context, site, path).page
        p.locator(".pcrm-index-table tbody tr").first.wait_for()
        assert p.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert p.evaluate(
            "Array.from(document.querySelectorAll('article *'))"
            ".every(e => e.getBoundingClientRect().right <= innerWidth + 0.5 || e.closest('.md-typeset__scrollwrap'))"
        )
        assert not p.locator(".pcrm-facets").is_visible()  # behind the Filters button, as on the index
    finally:
        context.close()


# --- at scale -------------------------------------------------------------------------------------

CUSTOMERS = 3000
LIMIT = 300_000  # bytes of the largest HTML page at 10,000 customers (issue 14)


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scale") / "repo"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate.py"), "--customers", str(CUSTOMERS), "--out", str(root)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (root / "mkdocs.yml").write_bytes((REPO / "mkdocs.yml").read_bytes())
    shutil.copytree(REPO / "site", root / "site", ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    return root / "out"


@pytest.mark.scale
def test_no_page_grows_with_the_customers_it_lists(synthetic_site):
    sizes = {str(p.relative_to(synthetic_site)): p.stat().st_size for p in synthetic_site.rglob("*.html")}
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] <= LIMIT * CUSTOMERS / 10_000, largest
    # a segment page of a thousand customers and one of a hundred differ by little more than label lengths
    views = _views(synthetic_site.parent)
    listed = {
        f"segments/{name}/{pages.slug(value)}.html": len(ids)
        for name, groups in views.groups.items()
        for value, ids in groups.items()
        if len(ids) >= pages.LIST_ROWS
    }
    assert max(listed.values()) > 1000 and max(listed.values()) > 10 * min(listed.values())
    spread = [sizes[path] for path in listed]
    assert max(spread) - min(spread) < 8_000
