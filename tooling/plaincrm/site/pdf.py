"""A report as a PDF to hand on at a meeting (guides A and C): a cover with the title, the period the
figures cover and the date they were made, then each table with its chart.

WeasyPrint renders our own print HTML (`templates/report_print.html`): the charts stay the page's inline
SVG, drawn as vector paths; the fonts are subset and embedded, so the file reads the same on a machine
without Chinese fonts. It was chosen over Chromium's print-to-PDF because it is a pip package (locked and
hashed like the rest) that runs in the build's forked workers without a browser process per file, and its
output depends only on its input: no creation date unless the document names one (it names "today"), font
subsets named from a digest of the font, and the file identifier given here from the content. So the
same records and "today" give the same bytes.

It needs Pango and a Chinese font from the system; without either the site is built without PDFs
(`unavailable` says why, at INFO: `mkdocs --strict` fails on warnings, and a missing optional renderer
is not the site's fault).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..escaping import BIDI_CONTROL, bidi_balanced
from ..funnel import PERIOD_DAYS
from ..reports import MONTHS_BACK, QUARTERS_BACK, UPCOMING_DAYS, Report, Table, Wording, month_starts, quarters
from .background import ROW_SECONDS
from .i18n import text

log = logging.getLogger("mkdocs.plugins.plaincrm")

# Seconds one report's PDF takes besides its rows (WeasyPrint, measured on the sample: 0.6 s to lay out and
# subset the fonts, 2 s for a worker's first, which loads them), as the workbook rows `Background` weighs jobs
# in: enough that it always hands a PDF to a worker when it can fork.
SECONDS = 0.6
ROWS = round(SECONDS / ROW_SECONDS)

Cells = Callable[[Table, list], list[tuple[list[tuple[str, Any]], bool]]]  # as the page shows a row
Chart = Callable[[Table, Wording], Markup | None]  # the page's chart of a table


@dataclass(frozen=True)
class Cover:
    """What the first page says besides the report's title."""

    site: str  # whose reports: the site's name, and the reader's on a per-reader site
    today: date  # the as-of date: every figure counts what is dated up to it
    as_of: str | None = None  # the records read as they were at a tag or date (a build `--as-of`)
    note: str = ""  # an i18n key said under the title (the aggregates-only note)


def period(name: str, today: date) -> tuple[date, date] | None:
    """The days a report's figures cover (`reports.py` counts over these windows); None for a report of
    everything up to today (segments, value, follow-up, data quality)."""
    if name == "interactions":
        return month_starts(today, MONTHS_BACK)[0], today
    if name in ("complaints", "satisfaction"):
        return quarters(today, QUARTERS_BACK)[0][1], today
    if name == "renewals":  # the last year's dates and the quarters, and the renewals coming up
        return min(today - timedelta(days=365), quarters(today, QUARTERS_BACK)[0][1]), today + timedelta(
            days=UPCOMING_DAYS
        )
    if name == "funnel":
        return today - timedelta(days=PERIOD_DAYS), today
    return None


@functools.cache
def unavailable() -> str | None:
    """Why PDFs cannot be made on this machine (said once, at INFO), or None when they can."""
    reason = _missing()
    if reason:
        log.info(f"plaincrm: report PDFs left out: {reason}")
    return reason


def _missing() -> str | None:
    try:
        import weasyprint  # noqa: F401  # loads Pango through cffi: an OSError when the library is missing
    except ImportError:
        return "WeasyPrint is not installed (pip install 'plaincrm[pdf]')"
    except OSError as error:
        return f"WeasyPrint cannot load Pango ({error}); on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return "no fontconfig (fc-list) to find a Chinese font; on Debian: apt-get install fonts-noto-cjk"
    try:
        found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return f"fc-list failed ({error})"
    if not found.strip():
        return "no Chinese font installed; on Debian: apt-get install fonts-noto-cjk"
    return None


def _balanced(value: Any) -> Any:
    """Every printed text with its bidi controls balanced, as on the pages."""
    if isinstance(value, str) and BIDI_CONTROL.search(value):
        return Markup(bidi_balanced(value)) if isinstance(value, Markup) else bidi_balanced(value)
    return value


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("plaincrm.site", "templates"),
        autoescape=True,  # every record text is escaped: a name holding </table> stays text
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_balanced,
    )


FONTS = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", sans-serif'
)
# WeasyPrint draws an inline SVG with the styles inside it only: the chart's classes get the site's colours here.
CHART_STYLE = (
    f"<style>text {{ fill: #111; font-family: {FONTS}; }} .pcrm-bar {{ fill: #3f51b5; }} "
    ".pcrm-line { fill: none; stroke: #3f51b5; stroke-width: 2; } "
    ".pcrm-axis, .pcrm-frame { stroke: #999; fill: none; } .pcrm-cut { stroke: #c62828; stroke-dasharray: 4 3; }</style>"
)


def styled(chart: Markup | None) -> Markup | None:
    """The page's chart with `CHART_STYLE` as its first child (its opening tag's attributes are escaped:
    the first ">" closes it)."""
    if chart is None:
        return None
    end = chart.index(">") + 1
    return Markup(str(chart[:end]) + CHART_STYLE + str(chart[end:]))  # all three are markup already


def print_html(report: Report, wording: Wording, cover: Cover, *, rows: int, cells: Cells, chart: Chart) -> str:
    """The report as one HTML document for print: the cover, then each table (its first `rows` rows,
    as many as the page shows) with its chart."""
    lang = wording.lang
    span = period(report.name, cover.today)
    tables = [
        {
            "title": wording.table_title(t),
            "headers": wording.headers(t),
            "rows": [
                [(", ".join(part for part, _ in parts), numeric) for parts, numeric in cells(t, row)]
                for row in t.rows[:rows]
            ],
            "more": max(0, len(t.rows) - rows),
            "chart": styled(chart(t, wording)),
        }
        for t in report.tables
    ]
    return (
        _environment()
        .get_template("report_print.html")
        .render(
            t=lambda key: text(key, lang),
            lang="zh-CN" if lang == "zh" else "en",
            title=wording.title(report),
            site=cover.site,
            period=(wording.cell("", span[0]), wording.cell("", span[1])) if span else None,
            today=wording.cell("", cover.today),
            created=cover.today.isoformat(),  # the PDF's creation date: "today", never the clock
            as_of=cover.as_of,
            note=cover.note,
            tables=tables,
            fonts=Markup(FONTS),  # a constant of ours, quoted for CSS
        )
    )


def report_pdf(report: Report, wording: Wording, cover: Cover, *, rows: int, cells: Cells, chart: Chart) -> bytes:
    """The report's PDF: the same bytes for the same report, wording and cover."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = print_html(report, wording, cover, rows=rows, cells=cells, chart=chart)
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))  # nothing fetched, no file read
    identifier = hashlib.md5(html.encode("utf-8"), usedforsecurity=False).hexdigest()  # the content's, not random
    return document.write_pdf(pdf_identifier=identifier.encode("ascii"))
