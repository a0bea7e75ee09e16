"""The customer index and the phone layout, in real Chromium, in an English and a Chinese build.

The site is this repository's records plus three customers whose names start with 安, 北 and 张
(code point order 北 < 安 < 张; pinyin order an < bei < zhang) and enough customers for a
second page of rows. Reuses test_browser's browser and server.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .sitekit import make_site_repo, mkdocs_build
from .test_browser import Watched, _serve, browser  # noqa: F401  (browser: a fixture used here)

pytestmark = pytest.mark.browser

PAGE_SIZE = 200  # plaincrm.js draws rows in pages of this many
PINYIN = ["安信科技", "北方物流", "张记贸易"]  # an, bei, zhang
PHONE = {"width": 390, "height": 844}


def _record(customer_id: str, name: str, owner: str = "li.wei") -> str:
    return (
        f"id: {customer_id}\nkind: company\nname: {name}\nindustry: other\nsource: other\n"
        f"category: new\ncooperation: not_started\nowner: {owner}\n"
    )


def _extra_records() -> dict[str, str]:
    records = {f"C2025010100{i + 1}.yaml": _record(f"C2025010100{i + 1}", name) for i, name in enumerate(PINYIN)}
    for n in range(1, PAGE_SIZE + 1):
        customer_id = f"C20250102{n:03d}"
        records[f"{customer_id}.yaml"] = _record(customer_id, f"Filler {n:03d} GmbH", owner="emma.hu")
    return records


@pytest.fixture(scope="module", params=["en", "zh"])
def site(request, tmp_path_factory):
    """(base URL, language) of a built site served on loopback."""
    lang = request.param
    root = make_site_repo(tmp_path_factory.mktemp(f"index-{lang}"), extra=_extra_records(), language=lang)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    server = _serve(root / "out")
    yield f"http://127.0.0.1:{server.server_address[1]}/", lang
    server.shutdown()


@pytest.fixture
def context(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def _open_index(context, site, query: str = ""):
    watched = Watched(context.new_page())
    watched.page.goto(site[0] + "customers/index.html" + query)
    watched.page.locator(".pcrm-status").wait_for()
    watched.page.wait_for_function("document.querySelector('.pcrm-status').textContent !== ''")
    return watched


def _shown(page) -> int:
    return int(page.locator(".pcrm-status").inner_text().split()[1])


def _names(page) -> list[str]:
    return page.locator(".pcrm-index-table tbody td.pcrm-col-name").all_inner_texts()


def test_show_more_appears_only_when_there_is_more(context, site):
    p = _open_index(context, site).page
    more = p.locator(".pcrm-more")
    assert _shown(p) == PAGE_SIZE and more.is_visible()
    more.click()
    p.wait_for_function(f"document.querySelectorAll('.pcrm-index-table tbody tr').length > {PAGE_SIZE}")
    assert not more.is_visible()  # Material's .md-button display once overrode `hidden`
    p.locator(".pcrm-filter").fill("Filler 001")
    p.wait_for_function("location.search.includes('q=')")
    assert p.locator(".pcrm-index-table tbody tr").count() == 1 and not more.is_visible()


def test_a_stale_link_says_so_and_offers_a_way_out(context, site):
    watched = _open_index(context, site, "?owner=nobody")
    p = watched.page
    empty = p.locator(".pcrm-empty")
    assert empty.is_visible() and "nobody" in empty.inner_text()
    assert p.locator('input[data-facet="owner"][value="nobody"]').is_checked()  # the filter is visible
    assert not p.locator(".pcrm-index-table").is_visible()
    empty.locator(".pcrm-clear").click()
    p.wait_for_function("!location.search.includes('owner=')")
    assert not empty.is_visible() and p.locator(".pcrm-index-table tbody tr").count() == PAGE_SIZE
    assert watched.errors == []


def test_facet_values_stay_in_place_while_choosing(context, site):
    p = _open_index(context, site).page
    order = "Array.from(document.querySelectorAll('.pcrm-facets input')).map(i => i.dataset.facet + '=' + i.value)"
    before = p.evaluate(order)
    p.locator('input[data-facet="owner"][value="li.wei"]').check()
    p.wait_for_function("location.search.includes('owner=li.wei')")
    assert p.evaluate(order) == before
    box = p.locator('input[data-facet="cooperation"][value="not_started"]')
    box.focus()
    p.keyboard.press("Space")
    p.wait_for_function("location.search.includes('cooperation=not_started')")
    assert p.evaluate(order) == before
    assert p.evaluate("document.activeElement.value") == "not_started"  # focus kept: the list was not redrawn


@pytest.fixture(scope="module")
def index_page(browser, site):  # noqa: F811
    """One index page kept open for a property test's examples (Clear filters resets it)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = _open_index(context, site).page
    yield page, page.evaluate("plaincrmIndex")
    context.close()


def _expected_counts(data, selected: dict[str, set[str]]) -> tuple[int, dict[str, int]]:
    """The index's filter rule restated: any chosen value within a facet, every facet with a choice."""
    col = {name: i for i, name in enumerate(data["columns"])}

    def matches(row, skip=None):
        return all(not wanted or set(row[col[facet]]) & wanted for facet, wanted in selected.items() if facet != skip)

    counts = {
        f"{facet}={value}": sum(1 for row in data["rows"] if matches(row, facet) and value in row[col[facet]])
        for facet in data["facets"]
        for value in data["labels"][facet]
    }
    return sum(1 for row in data["rows"] if matches(row)), counts


@settings(max_examples=8, deadline=None)
@given(clicks=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4))
def test_any_facet_choice_keeps_the_order_and_counts_right(index_page, clicks):
    p, data = index_page
    p.locator(".pcrm-toolbar .pcrm-clear").click()
    boxes = p.locator(".pcrm-facets input")
    order = "Array.from(document.querySelectorAll('.pcrm-facets input')).map(i => i.dataset.facet + '=' + i.value)"
    before = p.evaluate(order)
    for click in clicks:
        boxes.nth(click % len(before)).click()  # the index updates on `change`, before click() returns
    assert p.evaluate(order) == before
    shown = p.evaluate(
        """() => Array.from(document.querySelectorAll('.pcrm-facets input')).map(i =>
             [i.dataset.facet, i.value, i.checked, Number(i.closest('label').querySelector('.pcrm-count').textContent)])"""
    )
    selected: dict[str, set[str]] = {}
    for facet, value, checked, _ in shown:
        if checked:
            selected.setdefault(facet, set()).add(value)
    total, counts = _expected_counts(data, selected)
    assert int(p.locator(".pcrm-status").inner_text().split()[3]) == total
    assert {f"{facet}={value}": n for facet, value, _, n in shown} == counts


def test_sort_headers_show_state_and_work_from_the_keyboard(context, site):
    p = _open_index(context, site).page
    name_head = p.locator("th.pcrm-sortable").filter(has=p.locator("button")).nth(2)
    assert name_head.get_attribute("aria-sort") == "ascending" and "▲" in name_head.inner_text()
    assert p.locator("th[aria-sort]").count() == 1
    id_button = p.locator("th.pcrm-sortable button").nth(1)
    id_button.focus()
    p.keyboard.press("Enter")
    p.wait_for_function("location.search.includes('sort=id')")
    id_head = p.locator("th.pcrm-sortable").nth(1)
    assert id_head.get_attribute("aria-sort") == "ascending" and "▲" in id_head.inner_text()
    ids = sorted(p.evaluate("plaincrmIndex.rows.map(r => r[0])"))
    shown = p.locator(".pcrm-index-table tbody td.pcrm-col-id")
    assert shown.all_inner_texts() == ids[:PAGE_SIZE]
    p.keyboard.press("Space")  # focus stayed on the header's button
    p.wait_for_function("location.search.includes('desc=1')")
    assert id_head.get_attribute("aria-sort") == "descending" and "▼" in id_head.inner_text()
    assert shown.all_inner_texts() == ids[::-1][:PAGE_SIZE]
    assert p.locator("th[aria-sort]").count() == 1


def test_chinese_names_sort_in_pinyin_order(context, site):
    p = _open_index(context, site, "?owner=li.wei").page
    names = _names(p)
    positions = [names.index(name) for name in PINYIN]
    assert positions == sorted(positions), names  # code point order would put 北 before 安
    han = [n for n in names if "\u4e00" <= n[0] <= "\u9fff"]
    assert han == p.evaluate("names => names.slice().sort(new Intl.Collator('zh').compare)", han)


def test_adjacent_columns_do_not_run_together(context, site):
    p = _open_index(context, site, "?sort=order_total&desc=1").page
    gaps = p.evaluate(
        """() => Array.from(document.querySelectorAll('.pcrm-index-table tbody tr')).slice(0, 10).flatMap(tr => {
             const text = td => { const r = document.createRange(); r.selectNodeContents(td); return r.getBoundingClientRect(); };
             const cells = Array.from(tr.cells).filter(td => td.textContent.trim());
             return cells.slice(1).map((td, i) => text(td).left - text(cells[i]).right);
           })"""
    )
    assert min(gaps) >= 8, gaps  # "2026-09-101,797,720": cells had no padding at all


def test_column_chooser_is_remembered_by_the_browser(context, site):
    p = _open_index(context, site).page
    p.locator(".pcrm-chooser summary").click()
    p.locator('.pcrm-chooser input[data-column="owner"]').uncheck()
    p.wait_for_function("location.search.includes('cols=')")
    assert p.locator(".pcrm-col-owner").count() == 0 and p.locator("th.pcrm-sortable").count() == 7
    again = _open_index(context, site).page  # no parameters: the browser remembers
    assert again.locator(".pcrm-col-owner").count() == 0
    assert not again.locator('.pcrm-chooser input[data-column="owner"]').is_checked()
    assert again.locator(".pcrm-col-name").count() == PAGE_SIZE


def test_a_view_is_a_link(context, site, browser):  # noqa: F811
    p = _open_index(context, site).page
    p.locator('input[data-facet="owner"][value="li.wei"]').check()
    p.locator("th.pcrm-sortable button").nth(6).click()  # last contact, newest first
    p.locator(".pcrm-chooser summary").click()
    p.locator('.pcrm-chooser input[data-column="tier"]').uncheck()
    p.wait_for_function("location.search.includes('cols=')")
    link = p.locator(".pcrm-view-link").get_attribute("href")
    rows = _names(p)
    elsewhere = browser.new_context(viewport={"width": 1280, "height": 900})  # another person's browser
    try:
        assert link.startswith("/customers/index.html?")
        other = _open_index(elsewhere, site, link[link.index("?") :])
        assert _names(other.page) == rows
        assert other.page.locator("th.pcrm-sortable").nth(5).get_attribute("aria-sort") == "descending"
        assert other.page.locator(".pcrm-col-tier").count() == 0
        assert other.page.locator('input[data-facet="owner"][value="li.wei"]').is_checked()
    finally:
        elsewhere.close()


def test_my_customers_is_one_click_after_a_reload(context, site):
    p = _open_index(context, site).page
    assert not p.locator(".pcrm-mine").is_visible()
    p.locator('input[data-facet="owner"][value="li.wei"]').check()
    p.locator(".pcrm-remember").click()
    assert p.locator(".pcrm-mine").is_visible() and not p.locator(".pcrm-remember").is_visible()
    p.goto(site[0] + "customers/index.html")
    p.locator(".pcrm-mine").click()
    p.wait_for_function("location.search === '?owner=li.wei'")
    owners = set(p.locator(".pcrm-index-table tbody td.pcrm-col-owner").all_inner_texts())
    assert owners == {"李伟"}  # the owner by name, in either language


PHONE_PAGES = [
    "customers/index.html",
    "customers/C20240501001.html",
    "segments/cooperation/active.html",
    "reports/distribution.html",
    "reports/high_value.html",
    "owners/li.wei.html",
    "index.html",
]


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_phone_layout_has_no_sideways_scrolling_and_cards_for_rows(browser, site, path):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    try:
        watched = Watched(context.new_page())
        p = watched.page
        p.goto(site[0] + path)
        p.wait_for_load_state("load")
        p.locator("article table tbody tr").first.wait_for()
        assert p.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert p.evaluate(
            "Array.from(document.querySelectorAll('article *'))"
            ".every(e => e.getBoundingClientRect().right <= innerWidth + 0.5 || e.closest('.md-typeset__scrollwrap'))"
        )
        assert p.locator("article table tbody tr").first.bounding_box()["y"] < PHONE["height"]
        cards = p.evaluate(
            """() => Array.from(document.querySelectorAll('article table.pcrm-table')).filter(t => t.tHead)
                 .map(t => { const tr = t.tBodies[0].rows[0], td = tr.querySelector('td[data-label]');
                             return [getComputedStyle(tr).display, td && getComputedStyle(td, '::before').content]; })"""
        )
        assert cards, "a table with a header on this page"
        for display, label in cards:
            assert display == "block" and label not in (None, "none", '""')
        assert watched.errors == []
    finally:
        context.close()


def test_phone_index_puts_filters_behind_a_button(browser, site):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    try:
        p = _open_index(context, site).page
        facets, toggle = p.locator(".pcrm-facets"), p.locator(".pcrm-facets-toggle")
        assert not facets.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        name = p.locator(".pcrm-index-table tbody a").first.evaluate("a => a.getBoundingClientRect().width")
        assert name > 150  # a name gets a line of its own, not a column a letter wide
        toggle.click()
        assert facets.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        p.locator('input[data-facet="owner"][value="li.wei"]').check()
        p.wait_for_function("location.search.includes('owner=li.wei')")
        assert "(1)" in toggle.inner_text()  # the closed button still tells a filter is on
        toggle.click()
        assert not facets.is_visible()
    finally:
        context.close()
