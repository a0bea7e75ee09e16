"""Each report page has a PDF beside its CSV and XLSX (issue 18): made by a real renderer at build time, with
its Chinese fonts embedded, its charts as vectors, a cover with the period and the as-of date, record text
as text, and the same bytes for the same records and "today". Without the renderer's fonts, the site is
built without PDFs and says so at INFO, never as a warning (`mkdocs --strict`) nor a traceback."""

from __future__ import annotations

import csv
import html
import io
import os
import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.escaping import bidi_balanced
from plaincrm.reports import CUSTOMER, NAME, Report, Table, Wording
from plaincrm.site import pdf

from .sitekit import make_site_repo, mkdocs_build

pypdf = pytest.importorskip("pypdf")

if pdf.unavailable():
    if os.environ.get("PLAINCRM_REQUIRE_PDF"):
        raise RuntimeError(f"report PDFs cannot be made here: {pdf.unavailable()}")
    pytestmark = pytest.mark.skip(
        reason=f"{pdf.unavailable()} (apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk)"
    )

TODAY = "2026-11-23"
HOSTILE_NAME = "<script>window.__x=1</script></table></td>恶意公司&amp;"
HOSTILE = f"""\
# yaml-language-server: $schema=../../schema/customer.schema.json
id: C20261101009
kind: company
name: "{HOSTILE_NAME}"
industry: other
source: other
category: potential
cooperation: not_started
owner: li.wei
"""
BAR_FILL = b"0.247059 0.317647 0.709804 rg"  # #3f51b5, pdf.CHART_STYLE's bars: drawn only by the charts


def build(root: Path, **env: str) -> Path:
    make_site_repo(root, language="zh", extra={"C20261101009.yaml": HOSTILE})
    done = mkdocs_build(root, today=TODAY, env=env or None)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and not re.search(r"^WARNING\s+-", done.stderr, re.M), done.stderr
    (root / "build.log").write_text(done.stderr, encoding="utf-8")
    return root / "out"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("pdf-site"))


def text_of(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def squeezed(text: str) -> str:
    """Text without the line breaks a narrow table cell adds."""
    return re.sub(r"\s+", "", text)


def test_every_report_page_links_its_pdf_and_the_link_resolves(site):
    pages = sorted(p for p in (site / "reports").glob("*.html") if p.stem not in ("index", "summary"))
    assert len(pages) >= 8
    for page in pages:
        links = re.findall(r'<a href="([^"]+)" download>PDF</a>', page.read_text(encoding="utf-8"))
        assert links == [f"{page.stem}.pdf"], page
        target = (page.parent / unquote(links[0])).resolve()
        assert target.read_bytes().startswith(b"%PDF-"), target
        assert len(pypdf.PdfReader(target).pages) >= 2  # the cover and the tables


def test_the_pdf_holds_the_chinese_headings_and_the_csv_figures(site):
    words = squeezed("".join(text_of(site / "reports" / "high_value.pdf")))
    for heading in ("高价值客户", "订单金额前20%", "帕累托曲线", "生命周期价值"):
        assert heading in words
    rows = list(csv.reader(io.StringIO((site / "reports" / "high_value.csv").read_text(encoding="utf-8-sig"))))
    figures = rows[2]  # the top table's one row: counts and amounts, as the page shows them
    assert any(cell.endswith("CNY") for cell in figures)
    for figure in figures:
        assert squeezed(figure) in words, figure


def test_the_cover_says_the_title_the_period_and_the_as_of_date(site):
    cover = squeezed(text_of(site / "reports" / "interactions.pdf")[0])
    assert "互动频率" in cover and "plaincrm" in cover
    assert "统计期间2025年6月1日至2026年11月23日" in cover  # the 18 months the report counts
    assert "生成日期2026年11月23日" in cover
    assert "截至2026年11月23日" in squeezed(text_of(site / "reports" / "distribution.pdf")[0])  # no window: up to today
    info = pypdf.PdfReader(site / "reports" / "interactions.pdf").metadata
    assert info.title == "互动频率" and info["/CreationDate"].startswith("D:20261123")  # "today", not the clock


def fonts_of(reader) -> dict:
    found = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
    return found


def test_every_font_is_an_embedded_subset(site):
    for path in sorted((site / "reports").glob("*.pdf")):
        fonts = fonts_of(pypdf.PdfReader(path))
        assert fonts, path
        for name, font in fonts.items():
            assert re.fullmatch(r"/?[A-Z]{6}\+.+", name), (path, name)  # a subset's tag
            for part in font.get("/DescendantFonts", [font]):
                descriptor = part.get_object()["/FontDescriptor"].get_object()
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), (path, name)


def drawings(resources) -> tuple[list[str], bytes]:
    """Every XObject's subtype and every drawing's operators, the forms' own included (WeasyPrint draws an
    SVG as a form XObject)."""
    subtypes, content = [], b""
    for xobject in (resources or {}).get("/XObject", {}).values():
        xobject = xobject.get_object()
        subtypes.append(str(xobject["/Subtype"]))
        content += xobject.get_data()
        more_types, more = drawings(xobject.get("/Resources"))
        subtypes, content = subtypes + more_types, content + more
    return subtypes, content


def test_the_charts_are_vector_paths_not_pictures(site):
    reader = pypdf.PdfReader(site / "reports" / "distribution.pdf")
    subtypes, content = [], b""
    for page in reader.pages:
        more_types, more = drawings(page["/Resources"])
        subtypes, content = subtypes + more_types, content + more + page.get_contents().get_data()
    assert "/Image" not in subtypes and "/Form" in subtypes
    assert BAR_FILL in content  # the bars' colour, then their rectangles, filled
    bars = re.findall(rb"(?:-?[\d.]+ ){4}re\s+f", content.split(BAR_FILL, 1)[1])
    assert len(bars) >= 6


def test_a_hostile_customer_name_is_text(site):
    for name in ("high_value", "data_quality"):
        words = squeezed("".join(text_of(site / "reports" / f"{name}.pdf")))
        assert squeezed(HOSTILE_NAME) in words, name  # every character shown, none read as markup
    page = (site / "reports" / "high_value.html").read_text(encoding="utf-8")
    assert HOSTILE_NAME not in page  # and the page escapes it as before


def test_two_builds_give_the_same_bytes(site, tmp_path):
    again = build(tmp_path / "again")
    made = sorted(p.name for p in (site / "reports").glob("*.pdf"))
    assert made == sorted(p.name for p in (again / "reports").glob("*.pdf")) and len(made) >= 8
    for name in made:
        assert (site / "reports" / name).read_bytes() == (again / "reports" / name).read_bytes(), name


def test_without_a_chinese_font_the_site_is_built_without_pdfs(tmp_path):
    config = tmp_path / "fonts.conf"  # fontconfig that knows no font at all: `fc-list :lang=zh` finds none
    config.write_text(
        f"<?xml version='1.0'?><fontconfig><dir>{tmp_path / 'none'}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
        "</fontconfig>",
        encoding="utf-8",
    )
    out = build(tmp_path / "repo", FONTCONFIG_FILE=str(config))
    assert not list((out / "reports").glob("*.pdf"))
    assert list((out / "reports").glob("*.xlsx"))
    page = (out / "reports" / "high_value.html").read_text(encoding="utf-8")
    assert "CSV</a>" in page and ">PDF<" not in page
    log = (tmp_path / "repo" / "build.log").read_text(encoding="utf-8")
    assert re.search(r"INFO\s+-\s+plaincrm: report PDFs left out: no Chinese font installed", log), log


MARKUP = ("<", ">", "&", "&amp;", '"', "'", "</td>", "</table>", "<script>", "</title>", "{{ 7*7 }}", "\u202e", "客户")
ANY_TEXT = st.lists(st.sampled_from(MARKUP) | st.text(st.characters(codec="utf-8"), max_size=5), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(ANY_TEXT.map("".join).filter(str.strip))
def test_print_html_keeps_any_record_text_as_text(name):
    """Whatever a name holds, the print HTML has exactly its own tables and shows the name escaped."""
    report = Report(
        "high_value",
        "High-value customers",
        [Table("lifetime_value", ["id", "name"], [["C1", name]], kinds=(CUSTOMER, NAME))],
    )
    wording = Wording("zh", "CNY", lambda _key, default: default, lambda _list, value: value, lambda h: h)
    cover = pdf.Cover("plaincrm", date(2026, 11, 23), as_of=name)

    def cells(table, row):
        return [([(str(value), None)], False) for value in row]

    out = pdf.print_html(report, wording, cover, rows=100, cells=cells, chart=lambda table, wording: None)
    assert out.count("<table") == 1 and out.count("</table>") == 1
    assert out.count("<script") == 0
    shown = re.findall(r"<td>(.*?)</td>", out, re.S)
    assert html.unescape(shown[1]) == bidi_balanced(name)
