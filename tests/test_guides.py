"""The hand-written guide and admin guide as a reader sees them in Chromium, in each language.

They are Markdown that needs extensions (nested lists, fenced blocks inside list items), and a
zh build serves their Chinese versions (site/*.zh.md) at the same addresses with Chinese names.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from plaincrm.site.i18n import text
from plaincrm.site.theme_pages import NAV_TITLES

from .sitekit import make_site_repo, mkdocs_build
from .test_browser import _serve, browser  # noqa: F401 (the fixture, shared)

pytestmark = pytest.mark.browser

GUIDES = ("guide.html", "admin.html")
# Words a Chinese page may keep in Latin letters: names of products, formats and the git host's own.
PROPER_NOUNS = {
    *("plaincrm", "MkDocs", "Material", "GitHub", "GitLab", "Pages", "Enterprise", "Cloud", "App"),
    *("YAML", "JSON", "Schema", "CSV", "XLSX", "CODEOWNERS", "UTC", "git", "cron"),
}
# What a reader copies or matches on the git host's English screens: code, and setting names in italics.
NOT_PROSE = "code, pre, em, .headerlink, a[href^='http']"
_VISIBLE_PROSE = f"""() => {{
    const body = document.body.cloneNode(true);
    body.querySelectorAll("{NOT_PROSE}, script, style, .md-search, [hidden]").forEach(e => e.remove());
    return body.innerText;
}}"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The sample site built in each language, served on loopback."""
    urls = {}
    for lang in ("en", "zh"):
        root = make_site_repo(tmp_path_factory.mktemp(f"guides-{lang}"), language=lang)
        result = mkdocs_build(root)
        assert result.returncode == 0, result.stderr
        urls[lang] = f"http://127.0.0.1:{_serve(root / 'out').server_address[1]}/"
    return urls


@pytest.fixture
def page(browser):  # noqa: F811 (the imported fixture)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _open(page, url: str):
    page.goto(url)
    page.locator("article h1").first.wait_for()
    return page


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", GUIDES)
def test_lists_nest_and_no_list_collapses_into_prose(page, sites, lang, name):
    p = _open(page, sites[lang] + name)
    paragraphs = p.locator("article p").all_inner_texts()
    assert [t for t in paragraphs if re.search(r"(^|\n)\s*[-*] ", t)] == []  # a list read as a paragraph
    if name == "admin.html":  # code owners and status checks each have a list inside their item
        nested = p.locator("article li > ul > li")
        assert nested.count() == 6
        assert p.locator("article li > ul").count() == 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_backup_commands_are_a_block_with_one_command_per_line(page, sites, lang):
    p = _open(page, sites[lang] + "admin.html")
    blocks = [b for b in p.locator("article pre code").all_inner_texts() if "remote update" in b]
    assert len(blocks) == 1
    lines = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    assert lines[0] == "git clone --mirror git@host:team/crm.git"
    assert lines[-1] == "git -C crm.git remote update --prune"
    assert all(line.startswith("#") for line in lines[1:-1])  # a comment has a line of its own
    # the block sits in the backup list item, not beside it as inline code
    assert p.locator("article li pre code", has_text="remote update --prune").count() == 1
    assert p.locator("article :not(pre) > code", has_text="remote update").count() == 0


@pytest.mark.parametrize("name", GUIDES)
def test_zh_build_shows_the_chinese_version_with_no_english_left(page, sites, name):
    p = _open(page, sites["zh"] + name)
    tabs = [t.strip() for t in p.locator(".md-tabs__link").all_inner_texts()]
    assert tabs == [text(key, "zh") for key in NAV_TITLES.values()]
    title = text(NAV_TITLES[name.replace(".html", ".md")], "zh")
    assert p.locator("article h1").inner_text().removesuffix("¶") == title  # ¶: the heading's permalink
    headings = p.locator("article :is(h1, h2, h3)").all_inner_texts()
    assert headings and all(re.search(r"[\u4e00-\u9fff]", h) for h in headings)
    english = set(re.findall(r"[A-Za-z][A-Za-z'-]*", p.evaluate(_VISIBLE_PROSE))) - PROPER_NOUNS
    assert english == set()


@pytest.mark.parametrize("name", GUIDES)
def test_en_build_shows_english_and_the_same_structure(page, sites, name):
    shape = "() => [...document.querySelectorAll('article :is(h2, li, pre)')].map(e => e.tagName).join()"
    zh_shape = _open(page, sites["zh"] + name).evaluate(shape)
    p = _open(page, sites["en"] + name)
    tabs = [t.strip() for t in p.locator(".md-tabs__link").all_inner_texts()]
    assert tabs == [text(key, "en") for key in NAV_TITLES.values()]
    assert "Guide" in tabs and "Admin guide" in tabs
    headings = p.locator("article :is(h1, h2, h3)").all_inner_texts()
    assert headings and not any(re.search(r"[\u4e00-\u9fff]", h) for h in headings)
    assert p.evaluate(shape) == zh_shape  # the translation says everything, in the same places


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["guide.zh.html", "admin.zh.html", "guide.zh.md", "admin.zh.md"])
def test_no_language_version_is_published_at_its_own_address(sites, lang, name):
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(sites[lang] + name, timeout=10)
    assert missing.value.code == 404
