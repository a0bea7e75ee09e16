"""What a person sees, in real Chromium driven by Playwright: search, filters, masking, XSS, language.

Needs Debian's chromium (`apt-get install chromium`; `.ci/run` installs it). Without it
these tests are skipped with that hint, unless PLAINCRM_REQUIRE_BROWSER=1 (as in CI).
A screenshot of the page is saved to test-artifacts/ when a test fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import REPO
from .sitekit import XSS_RECORD, make_site_repo, mkdocs_build

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site without a log line a request (they would fill the test output)."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = "no Chromium: install Debian's browser with `apt-get install chromium` (see README)"
        if os.environ.get("PLAINCRM_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


def _built_site(tmp_path_factory, name: str, **kwargs) -> str:
    root = make_site_repo(tmp_path_factory.mktemp(name), extra={"C20261101001.yaml": XSS_RECORD}, **kwargs)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    server = _serve(root / "out")
    return f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    return _built_site(tmp_path_factory, "browser-en")


@pytest.fixture(scope="module")
def site_url_zh(tmp_path_factory):
    return _built_site(tmp_path_factory, "browser-zh", language="zh")


class Watched:
    """A page plus everything it asked for and every script error it raised."""

    def __init__(self, page):
        self.page, self.requests, self.errors, self.dialogs = page, [], [], []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def foreign_requests(self):
        return [
            u
            for u in self.requests
            if urlparse(u).hostname not in ("127.0.0.1", None) and not u.startswith(("data:", "blob:"))
        ]


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watched = Watched(context.new_page())
    yield watched
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        watched.page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_home_opens_and_asks_no_other_host(page, site_url):
    page.page.goto(site_url + "index.html")
    assert page.page.locator("h1").first.inner_text() == "plaincrm"
    assert page.page.get_by_text("By maintenance tier").is_visible()
    page.page.get_by_role("link", name="Customer index", exact=True).click()
    page.page.wait_for_selector(".pcrm-index-table tbody tr")
    assert page.foreign_requests() == [] and page.errors == []


def test_search_finds_a_customer_by_a_chinese_word(page, site_url):
    page.page.goto(site_url + "index.html")
    page.page.locator("label.md-search__icon, .md-search__input").first.click()
    page.page.locator(".md-search__input").fill("运维")
    page.page.keyboard.press("End")  # Material searches on keyup, which an IME sends when it commits
    result = page.page.locator('.md-search-result__link[href$="customers/C20240501001.html"]')
    result.first.wait_for(timeout=10_000)
    result.first.click()
    page.page.wait_for_url("**/customers/C20240501001.html*")
    assert "A科技有限公司" in page.page.locator("h1").first.inner_text()


def test_index_filters_live_in_the_url(page, site_url):
    p = page.page
    p.goto(site_url + "customers/index.html")
    status = p.locator(".pcrm-status")
    status.wait_for()
    total = int(status.inner_text().split("(")[1].rstrip(")"))
    p.locator('input[data-facet="cooperation"][value="active"]').check()
    p.wait_for_function("location.search.includes('cooperation=active')")
    active = int(status.inner_text().split()[3])
    assert 0 < active < total
    p.reload()
    p.locator(".pcrm-index-table tbody tr").first.wait_for()
    assert p.locator('input[data-facet="cooperation"][value="active"]').is_checked()
    assert int(status.inner_text().split()[3]) == active
    p.locator(".pcrm-filter").fill("Hoffmann")
    p.wait_for_function("location.search.includes('q=Hoffmann')")
    rows = p.locator(".pcrm-index-table tbody tr")
    assert rows.count() == 1
    with p.expect_download() as download:
        p.locator(".pcrm-csv").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.count("\n") == 2 and "Hoffmann Werkzeugmaschinen" in csv_text
    rows.first.locator("a").click()
    p.wait_for_url("**/customers/C20240611001.html")
    assert page.errors == []


def test_contacts_are_masked_on_the_page(page, site_url):
    page.page.goto(site_url + "customers/C20261101001.html")
    text = page.page.locator("article").inner_text()
    assert "139****1111" in text and "e***@example.com" in text
    assert "13900001111" not in page.page.content() and "evil@example.com" not in page.page.content()


def test_hostile_record_shows_as_text_and_runs_nothing(page, site_url):
    p = page.page
    for url in ("customers/C20261101001.html", "customers/index.html", "segments/tags/index.html", "index.html"):
        if url == "segments/tags/index.html":
            url = "segments/index.html"
        p.goto(site_url + url)
        p.wait_for_timeout(300)
        assert p.evaluate("window.__xss") is None, url
    p.goto(site_url + "customers/C20261101001.html")
    heading = p.locator("article h1").first.inner_text()
    assert heading == "<script>window.__xss=1</script>恶意公司</title><script>window.__xss=4</script>"
    assert p.title().startswith("<script>window.__xss=1</script>")
    assert p.locator("article script, article img, article svg[onload], article iframe, article u").count() == 0
    assert p.get_by_text("{{ 7*7 }}").count() >= 1
    assert page.dialogs == [] and page.errors == []


def test_chinese_interface_and_search(page, site_url_zh):
    p = page.page
    p.goto(site_url_zh + "customers/C20240501001.html")
    text = p.locator("article").inner_text()
    assert "所属行业" in text and "信息传输、软件和信息技术服务业" in text and "互动记录" in text
    p.locator(".md-search__input").first.click()
    p.locator(".md-search__input").fill("运维")
    p.keyboard.press("End")
    p.locator('.md-search-result__link[href$="customers/C20240501001.html"]').first.wait_for(timeout=10_000)


def test_report_page_charts_downloads_and_print(page, site_url, tmp_path):
    import io

    import openpyxl

    p = page.page
    p.goto(site_url + "reports/distribution.html")
    charts = p.locator("article figure.pcrm-figure svg")
    assert charts.count() == 6
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    with p.expect_download() as download:
        p.get_by_role("link", name="XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(book.sheetnames) == 6 and book.worksheets[0].max_row > 2
    # Printed: no navigation, the charts stay and fit the paper, colours kept.
    p.emulate_media(media="print")
    assert not p.locator(".md-sidebar--primary").first.is_visible()
    assert not p.locator(".md-header").first.is_visible()
    width = p.evaluate("document.querySelector('article').getBoundingClientRect().width")
    for index in range(charts.count()):
        assert charts.nth(index).is_visible() and charts.nth(index).bounding_box()["width"] <= width + 1
    pdf = p.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 1
    (tmp_path / "distribution.pdf").write_bytes(pdf)
    assert page.errors == [] and page.foreign_requests() == []


def test_owner_page_links_a_calendar_feed(page, site_url):
    import icalendar

    p = page.page
    p.goto(site_url + "owners/li.wei.html")
    href = p.get_by_role("link", name="Calendar feed").first.get_attribute("href")
    response = p.request.get(site_url + "owners/" + href)
    assert response.ok
    feed = icalendar.Calendar.from_ical(response.body())
    assert len(list(feed.walk("VEVENT"))) > 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_report_can_be_acted_on_in_either_language(page, site_url, site_url_zh, lang):
    """A report row leads to its customer, its chart has axes, and its words are the reader's."""
    page.page.goto((site_url if lang == "en" else site_url_zh) + "reports/high_value.html")
    headers = page.page.locator("article table th").all_inner_texts()
    assert headers and all(h.strip() for h in headers)
    if lang == "zh":
        assert not any(re.search(r"[A-Za-z]{3,}", h) for h in headers), headers  # no English header left
    money = page.page.locator("article table td").filter(has_text="CNY").first.inner_text()
    assert re.fullmatch(r"[\d,]+\.\d\d CNY", money.strip()), money  # money with its currency, grouped
    assert page.page.locator("article svg .pcrm-axis").count() >= 2  # a chart with axes
    link = page.page.locator("article table td a[href*='customers/C']").first
    customer = link.inner_text()
    link.click()
    page.page.wait_for_url("**/customers/C*.html")
    assert customer in page.page.locator("article").inner_text()
    assert page.errors == [] and page.foreign_requests() == []
