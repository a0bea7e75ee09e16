"""`crm pages` is a whole site for another engine: built with Debian's Hugo, seen in real Chromium.

The day Material for MkDocs reaches its end of life (2027-05-05), a team can publish the output of
`crm pages` with any engine that reads Markdown with front matter. This builds the sample (plus a
record of hostile text) with Hugo: a minimal site, as README shows it, whose layouts print only the
title and the content. Every customer page must exist where the pages' links expect it and show its
name, the customer index must load its rows, and plaincrm's own search box (there is no Material box)
must find a customer by name, in the site's language. Pages stay out of Hugo's page lists (so out of
a theme's search index), and record text stays text through the Markdown reader.

Needs Debian's hugo (`apt-get install -y hugo`) and chromium; without them the tests are skipped
with that hint, unless PLAINCRM_REQUIRE_HUGO=1 (and PLAINCRM_REQUIRE_BROWSER=1 for Chromium), as in CI.
"""

from __future__ import annotations

import html
import html.parser
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.cli import main
from plaincrm.site.build import build_for_site
from plaincrm.site.export import one_html_block, write_pages, yaml_string

from .sitekit import XSS_RECORD, make_site_repo
from .test_browser import Watched, _serve, browser  # noqa: F401  (browser: a fixture used here)

TODAY = "2026-11-23"
HOSTILE_ID = "C20261101001"
# Text a Markdown reader or a template engine would act on: a blank line ends CommonMark's HTML
# block (then a link and an indented code block would follow), `{{% %}}` is a Hugo shortcode, a lone
# CR is a line ending too.
HOSTILE_NOTES = "first line\n\n[click](javascript:window.__xss=8)\n\n    indented {{% param title %}}\r\rafter CRs"
INDEX_FILES = ("", "customers", "segments", "owners", "reports", "changes")  # crm pages' index.md pages

LAYOUT = """<!doctype html>
<html><head><meta charset="utf-8"><title>{{{{ .Title }}}}</title></head>
<body data-listed="{{{{ len .Site.RegularPages }}}}">{header}<main>{{{{ .Content }}}}</main></body></html>
"""


def hugo_config(pages: Path) -> str:
    """A Hugo site publishing `crm pages` output as it is: raw HTML allowed, the pages as content (an
    index.md as its folder's _index.md: Hugo reads a folder holding index.md as one page and its
    siblings as that page's files), everything else as static files."""
    mounts = [
        (pages, "content", '["**/index.md", "**.{js,css,csv,xlsx,pdf,ics,xml,html}", "**/.plaincrm-pages"]'),
        (pages, "static", '["**.md", "**/.plaincrm-pages"]'),
        *(
            (pages / folder / "index.md", "/".join(filter(None, ("content", folder, "_index.md"))), "")
            for folder in INDEX_FILES
        ),
    ]
    config = (
        'baseURL = "http://127.0.0.1/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", "404", "robotsTXT"]\n'
    )
    config += "[markup.goldmark.renderer]\nunsafe = true\n"
    for source, target, exclude in mounts:
        config += f'[[module.mounts]]\nsource = "{source}"\ntarget = "{target}"\n'
        config += f"excludeFiles = {exclude}\n" if exclude else ""
    return config


def hugo_build(pages: Path, site: Path) -> subprocess.CompletedProcess:
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(hugo_config(pages), encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(LAYOUT.format(header=""), encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(
        LAYOUT.format(header="<header>{{ .Title }}</header>"), encoding="utf-8"
    )
    return subprocess.run(
        ["hugo", "--source", str(site), "--destination", str(site / "public")], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """This repository's records plus one of hostile text (HOSTILE_NOTES, and sitekit's XSS_RECORD)."""
    notes = f"notes: {yaml_string(HOSTILE_NOTES)}"
    record = re.sub(r"(?m)^notes: .*$", lambda _: notes, XSS_RECORD)
    return make_site_repo(tmp_path_factory.mktemp("second-engine-repo"), extra={f"{HOSTILE_ID}.yaml": record})


@pytest.fixture(scope="module")
def built(tmp_path_factory, root):
    """`root` through `crm pages` (English) and the same in Chinese, each built by Hugo."""
    if shutil.which("hugo") is None:
        message = "no Hugo: install Debian's with `apt-get install -y hugo` (see README, Other engines)"
        if os.environ.get("PLAINCRM_REQUIRE_HUGO") == "1":
            pytest.fail(message)
        pytest.skip(message)
    tmp = tmp_path_factory.mktemp("second-engine")
    assert main(["--root", str(root), "pages", str(tmp / "pages-en"), "--today", TODAY]) == 0
    # Chinese through the same writer (`crm pages --lang zh` once cli/reading.py hands its language on)
    _, site = build_for_site(root, today=date.fromisoformat(TODAY), lang="zh")
    write_pages(site, tmp / "pages-zh", lang="zh")
    out = {"root": root}
    for lang in ("en", "zh"):
        result = hugo_build(tmp / f"pages-{lang}", tmp / f"hugo-{lang}")
        assert result.returncode == 0 and "WARN" not in result.stdout + result.stderr, result.stdout + result.stderr
        out[lang] = tmp / f"hugo-{lang}" / "public"
        out[f"pages-{lang}"] = tmp / f"pages-{lang}"
    return out


@pytest.fixture(scope="module")
def served(built):
    urls = {}
    for lang in ("en", "zh"):
        server = _serve(built[lang])
        urls[lang] = f"http://127.0.0.1:{server.server_address[1]}/"
    return urls


@pytest.fixture(scope="module")
def customers(built) -> dict[str, str]:
    """Every record's id and name, from the records themselves."""
    found = {}
    for path in sorted((built["root"] / "records" / "customers").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[record["id"]] = record["name"]
    return found


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield Watched(context.new_page())
    context.close()


# --- what crm pages writes ---------------------------------------------------------------------------


def test_front_matter_places_the_page_and_keeps_it_out_of_the_engines_search(built):
    text = (built["pages-en"] / "customers" / "C20240501001.md").read_text(encoding="utf-8")
    front, body = text.split("---\n", 2)[1:]
    assert yaml.safe_load(front) == {
        "title": "A科技有限公司 · C20240501001",
        "url": "/customers/C20240501001.html",
        "permalink": "/customers/C20240501001.html",
        "search": {"exclude": True},
        "_build": {"list": "never"},
    }
    assert '<link rel="stylesheet" href="../assets/plaincrm/plaincrm.css">' in body
    assert '<script src="../assets/plaincrm/search.js" data-label="Search customers"' in body
    assert (built["pages-en"] / "search" / "customers.js").is_file()  # the search's own data


def test_hugo_publishes_every_page_and_file_where_the_links_expect_them(built):
    for lang in ("en", "zh"):
        pages, public = built[f"pages-{lang}"], built[lang]
        wanted = {p.relative_to(pages).with_suffix(".html") for p in pages.rglob("*.md")}
        wanted |= {p.relative_to(pages) for p in pages.rglob("*") if p.is_file() and p.suffix != ".md"}
        wanted.discard(Path(".plaincrm-pages"))
        assert {p.relative_to(public) for p in public.rglob("*") if p.is_file()} == wanted
        home = (public / "index.html").read_text(encoding="utf-8")
        assert 'data-listed="0"' in home  # out of every page list: no theme indexes or lists them


def test_every_customer_page_shows_its_name(page, served, customers):
    p = page.page
    for customer_id, name in customers.items():
        response = p.goto(served["en"] + f"customers/{quote(customer_id)}.html", wait_until="domcontentloaded")
        assert response is not None and response.status == 200, customer_id
        assert p.locator("h1").first.inner_text() == name
        assert p.title() == f"{name} · {customer_id}"
        assert p.evaluate("window.__xss") is None and p.locator('a[href^="javascript:"]').count() == 0
    assert page.errors == [] and page.foreign_requests() == []


def test_hostile_text_stays_text_through_the_markdown_reader(page, served):
    p = page.page
    p.goto(served["en"] + f"customers/{HOSTILE_ID}.html")
    notes = p.locator("tr", has=p.locator("th", has_text="Notes")).locator("td")
    assert notes.evaluate("td => td.textContent") == HOSTILE_NOTES.replace("\r", "\n")
    assert notes.locator("a, pre, code").count() == 0
    assert "{{ 7*7 }}" in p.locator("body").inner_text()  # Hugo's templates never saw the braces


def test_the_customer_index_loads_its_rows(page, served, customers):
    p = page.page
    p.goto(served["en"] + "customers/index.html")
    p.wait_for_selector(".pcrm-index-table tbody tr")
    assert p.locator(".pcrm-index-table tbody tr").count() == len(customers)
    assert p.locator("header .pcrm-own-search__input").count() == 1  # the box goes in the engine's header
    assert page.errors == [] and page.foreign_requests() == []


@pytest.mark.parametrize(
    ("start", "customer_id", "query"),
    [
        ("customers/index.html", "C20240501001", "A科技有限公司"),
        ("customers/C20240501001.html", "C20230320001", None),  # a page without a header: top of the content
        ("index.html", HOSTILE_ID, None),
    ],
)
def test_own_search_box_finds_a_customer_by_name_first(page, served, customers, start, customer_id, query):
    p = page.page
    p.goto(served["en"] + start)
    box = p.locator(".pcrm-own-search__input")
    assert box.count() == 1 and box.get_attribute("placeholder") == "Search customers"
    box.fill(query or customers[customer_id])
    first = p.locator(".pcrm-own-search__results .md-search-result__link").first
    first.wait_for(timeout=10_000)
    assert first.get_attribute("href").endswith(f"customers/{customer_id}.html")
    box.press("Enter")  # opens the first result
    p.wait_for_url(f"**/customers/{customer_id}.html")
    assert p.locator("h1").first.inner_text() == customers[customer_id]
    assert page.errors == [] and p.evaluate("window.__xss") is None


def test_own_search_box_speaks_the_sites_language(page, served):
    p = page.page
    p.goto(served["zh"] + "customers/C20240501001.html")
    box = p.locator(".pcrm-own-search__input")
    assert box.get_attribute("placeholder") == "搜索客户" and box.get_attribute("aria-label") == "搜索客户"
    box.fill("运维")  # a Chinese word inside a customer's needs
    p.locator('.pcrm-own-search__results a[href$="customers/C20240501001.html"]').first.wait_for(timeout=10_000)
    assert "客户：" in p.locator(".pcrm-own-search__results .md-search-result__meta").inner_text()
    box.fill("没有这个客户zzz")
    p.wait_for_function("document.querySelector('.pcrm-own-search__results').dataset.query.endsWith('zzz')")
    assert p.locator(".pcrm-own-search__results").inner_text() == "没有符合的客户"
    box.press("Escape")
    assert p.locator(".pcrm-own-search__results").is_hidden()


# --- the format's two rules, for any text ---------------------------------------------------------------

_LINE_END = re.compile(r"\r\n|\r|\n")


class _Events(html.parser.HTMLParser):
    """What a browser builds from HTML, as a list: tags with their attributes and the text between them."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []
        self.feed(_LINE_END.sub("\n", markup))  # a browser reads CR and CRLF as LF before anything else
        self.close()

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, [(k, _LINE_END.sub("\n", v or "")) for k, v in attrs]))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if self.events and self.events[-1][0] == "data":
            self.events[-1] = ("data", self.events[-1][1] + data)
        else:
            self.events.append(("data", data))


def _is_one_block(markup: str) -> bool:
    lines = _LINE_END.split(markup)
    return all(line.strip(" \t") for line in lines) and "{" not in markup and "}" not in markup


PIECES = ["\n", "\r", "\r\n", " ", "\t", "\u3000", "\x0c", "{", "}", "{{%", "a", "中", "<", "&"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_one_html_block_has_no_blank_line_nor_brace_and_reads_the_same(value):
    escaped = html.escape(value, quote=True)
    markup = f'<div class="pcrm">\n<p title="{escaped}">{escaped}</p>\n<pre><code>{escaped}</code></pre>\n</div>'
    block = one_html_block(markup)
    assert _is_one_block(block)
    assert _Events(block).events == _Events(markup).events


@given(st.text(st.characters(exclude_categories=()), max_size=40))  # lone surrogates too
@settings(max_examples=300, deadline=None)
def test_a_title_reads_back_from_the_front_matter_unchanged(title):
    line = f"title: {yaml_string(title)}"
    line.encode("utf-8")  # no lone surrogate left to write
    assert yaml.safe_load(line) == {"title": title}


def test_every_sample_page_is_one_block_that_reads_the_same(root):
    _, site = build_for_site(root, today=date.fromisoformat(TODAY))
    for each in [*site.pages, *site.customer_pages()]:
        block = one_html_block(each.html.strip())
        assert _is_one_block(block), each.src
        assert _Events(block).events == _Events(each.html.strip()).events, each.src
