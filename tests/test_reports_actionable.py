"""Reports a team can act on (issue 14): rows link to their customers, values read as the language
writes them, charts have axes and labels that fit, renewals coming up and the rate per quarter,
nothing dated after "today", and every word of a Chinese report page and download in Chinese."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.cli import main
from plaincrm.dataset import load_dataset
from plaincrm.reports import (
    Wording,
    all_reports,
    date_text,
    money_text,
    renewals,
    share_text,
)
from plaincrm.site import background
from plaincrm.site.build import build_for_site
from plaincrm.site.charts import FONT, bar_chart, line_chart, pareto_chart, text_width
from plaincrm.views import derive

TODAY = date(2024, 6, 30)
NAMES = {"C20240501001": "甲科技有限公司", "C20240501002": "乙商贸公司", "C20240501003": "丙制造厂"}


def _records(repo) -> None:
    """Three customers touching every report: a duplicate pair (same phone), an open complaint, idle
    customers, orders, renewals past and coming, a channel (phone) and a source (online_ads)."""
    repo.good(
        "C20240501001",
        NAMES["C20240501001"],
        **{
            "cooperation: not_started": "cooperation: active",
            "key_dates:": "orders:\n  - {date: 2024-02-20, item: 续约, amount: 16803925, kind: renewal, status: paid}\n"
            "key_dates:\n  - {kind: renewal_due, date: 2024-03-01}\n  - {kind: renewal_due, date: 2024-09-28}",
        },
    )
    repo.good(
        "C20240501002",
        NAMES["C20240501002"],
        **{
            "zhang@": "li@",
            "cooperation: not_started": "cooperation: active\nservice_cases:\n"
            "  - {kind: complaint, opened: 2024-06-01, summary: 延迟}",
            "key_dates:": "orders:\n  - {date: 2024-09-01, item: 续约, amount: 500, kind: renewal, status: quoted}\n"
            "key_dates:\n  - {kind: renewal_due, date: 2024-05-01}\n  - {kind: renewal_due, date: 2024-09-27}",
        },
    )
    repo.good("C20240501003", NAMES["C20240501003"], **{'"13812345678"': '"13900001111"', "zhang@": "wang@"})


@pytest.fixture
def views(repo):
    _records(repo)
    return derive(load_dataset(repo.project), TODAY)


def built(repo, lang: str):
    _records(repo)
    site = build_for_site(repo.root, today=TODAY, lang=lang)[1]
    files = {src: background.resolve(data) for src, data in site.files.items() if src.startswith("reports/")}
    return {p.src: p.html for p in site.pages if p.src.startswith("reports/")}, files


def rows_of(html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", html, re.S)


def visible(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


# --- links ------------------------------------------------------------------------------------


def test_every_row_naming_a_customer_links_to_each_it_names(repo):
    pages, _ = built(repo, "en")
    named = 0
    for src, html in pages.items():
        for row in rows_of(html):
            text = visible(row)
            for customer_id, name in NAMES.items():
                if customer_id in text or name in text:
                    named += 1
                    assert f'href="../customers/{customer_id}.html"' in row, (src, row)
    assert named >= 10  # idle, lifetime value, open complaint, renewals, duplicates, missing fields…


def test_the_id_and_the_name_of_a_row_are_both_links(repo):
    pages, _ = built(repo, "en")
    html = pages["reports/complaints.md"]
    link = '<a href="../customers/C20240501002.html">'
    assert f"{link}C20240501002</a>" in html and f"{link}{NAMES['C20240501002']}</a>" in html
    duplicates = pages["reports/data_quality.md"]
    assert all(f'<a href="../customers/{cid}.html">{cid}</a>' in duplicates for cid in ("C20240501001", "C20240501002"))


# --- values as the language writes them ----------------------------------------------------------


def test_one_formatting_function_per_kind():
    # the ISO code, not ¥: the team's currency may be any (settings), ¥ is also the yen, and the same
    # text reads in both languages; two decimals keep a column of amounts aligned
    assert share_text(0.2683) == "26.8%" and money_text(16803925.0, "CNY") == "16,803,925.00 CNY"
    assert date_text(date(2024, 3, 1), "zh") == "2024年3月1日" and date_text(date(2024, 3, 1), "en") == "2024-03-01"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), st.floats(min_value=0, max_value=1))
def test_formatted_numbers_read_back_as_the_value(amount, part):
    number, currency = money_text(amount, "USD").split(" ")
    assert currency == "USD" and float(number.replace(",", "")) == pytest.approx(round(amount, 2), abs=0.006)
    assert float(share_text(part)[:-1]) == pytest.approx(part * 100, abs=0.051)


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("en", ["100.0%", "16,803,925.00 CNY", "2024-09-28", "李伟", "Phone", "Online ads"]),
        ("zh", ["100.0%", "16,803,925.00 CNY", "2024年9月28日", "李伟", "电话", "线上推广"]),
    ],
)
def test_pages_show_shares_money_dates_members_and_labels_in_the_language(repo, lang, shown):
    pages, _ = built(repo, lang)
    text = " ".join(visible(html) for html in pages.values())
    assert [expected for expected in shown if expected not in text] == []
    assert "16803925" not in text and not re.search(r">0\.\d+<", "".join(pages.values()))


def test_crm_report_prints_in_the_language(repo, capsys):
    _records(repo)
    assert main(["--root", str(repo.root), "report", "distribution", "--today", "2024-06-30", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "== 客户构成: 按客户来源" in out and "线上推广" in out and "100.0%" in out and "online_ads" not in out


# --- charts ---------------------------------------------------------------------------------------


def texts_of(svg: str) -> list[tuple[float, float, str, str, str]]:
    """(x, y, anchor, shown text, title) of each label."""
    found = re.findall(
        r'<text x="([\d.-]+)" y="([\d.-]+)" text-anchor="(\w+)">(?:<title>(.*?)</title>)?(.*?)</text>', svg
    )
    return [(float(x), float(y), anchor, unescape(shown), unescape(title)) for x, y, anchor, title, shown in found]


def assert_labels_fit(svg: str, labels: list[str]) -> None:
    """Every label inside the picture, none over another on its line; a cut one titled in full."""
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    spans: dict[float, list[tuple[float, float]]] = {}
    for x, y, anchor, shown, title in texts_of(svg):
        size = text_width(shown)
        start = {"start": x, "middle": x - size / 2, "end": x - size}[anchor]
        assert -0.5 <= start and start + size <= width + 0.5, (shown, start, size)
        spans.setdefault(y, []).append((start, start + size))
        if title:
            assert shown.endswith("…") and title.startswith(shown[:-1]) and title in labels
        else:
            assert not shown.endswith("…") or shown in labels
    for line in spans.values():
        line.sort()
        assert all(a[1] <= b[0] + 0.5 for a, b in zip(line, line[1:])), line


label_text = st.text(
    alphabet="客户来源线上推广ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -", min_size=1
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(label_text.map(str.strip).filter(bool), st.integers(0, 10**6)), min_size=1, max_size=30))
def test_bar_chart_labels_fit(bars):
    labels = [name[:60] for name, _ in bars]
    assert_labels_fit(str(bar_chart(labels, [value for _, value in bars], title="t")), labels)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(label_text.map(str.strip).filter(bool), st.none() | st.floats(0, 1)), min_size=1, max_size=30)
)
def test_line_chart_labels_fit(points):
    labels = [name[:40] for name, _ in points]
    svg = str(line_chart(labels, [value for _, value in points], title="t", value_text=share_text))
    assert_labels_fit(svg, labels)


def test_line_chart_has_axes_with_ticks_and_values():
    svg = str(
        line_chart([f"2024Q{i}" for i in range(1, 5)], [0.1, 0.25, None, 0.4], title="rate", value_text=share_text)
    )
    axes = re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)" class="pcrm-axis"/>', svg)
    assert any(x1 == x2 for x1, _, x2, _ in axes) and any(y1 == y2 for _, y1, _, y2 in axes)  # both axes
    shown = [t[3] for t in texts_of(svg)]
    assert ["0.0%", "10.0%", "20.0%", "30.0%", "40.0%"] == shown[:5]  # value ticks, round steps
    assert shown[5:] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]  # time ticks
    pareto = str(pareto_chart([(0.5, 0.9), (1.0, 1.0)], title="p"))
    assert {"0.0%", "50.0%", "100.0%"} <= {t[3] for t in texts_of(pareto)}
    assert FONT == 11


# --- renewals ---------------------------------------------------------------------------------------


def test_upcoming_renewals_from_today_through_90_days(repo):
    """Renewal due dates today (still to act on), at +90 days (in) and +91 (out)."""
    for number, days in (("1", 0), ("2", 90), ("3", 91), ("4", -1)):
        due = (TODAY + timedelta(days=days)).isoformat()
        repo.good(f"C2024050100{number}", **{"key_dates:": f"key_dates:\n  - {{kind: renewal_due, date: {due}}}"})
    got = {t.title: t.rows for t in renewals(derive(load_dataset(repo.project), TODAY)).tables}
    assert [(row[2], row[1]) for row in got["upcoming"]] == [("C20240501001", 0), ("C20240501002", 90)]


def test_upcoming_renewals_show_owner_quote_and_whether_renewed(views):
    got = {t.title: t.rows for t in renewals(views).tables}
    assert got["upcoming"] == [
        [date(2024, 9, 27), 89, "C20240501002", NAMES["C20240501002"], "li.wei", 500.0, False],
        [date(2024, 9, 28), 90, "C20240501001", NAMES["C20240501001"], "li.wei", None, False],
    ]


def test_renewal_rate_per_quarter(views):
    got = {t.title: t.rows for t in renewals(views).tables}
    per_quarter = {row[0]: row[1:] for row in got["rate_by_quarter"]}
    assert per_quarter["2024Q1"] == [1, 1, 1.0] and per_quarter["2024Q2"] == [1, 0, 0.0]
    assert per_quarter["2023Q4"] == [0, 0, None]  # nothing due: no rate rather than 0%
    assert len(per_quarter) == 6 and got["rate"] == [[2, 1, 0.5]]


# --- nothing after today ----------------------------------------------------------------------------


def test_an_earlier_today_sees_no_future_and_no_negative_days(views, repo):
    early = date(2024, 5, 5)  # before the interactions (May 10), the complaint (June 1), a first contact
    repo.good(
        "C20240501004",
        "丁公司",
        **{
            "key_dates:\n  - {kind: first_contact, date: 2024-05-01}": "key_dates:\n  - {kind: first_contact, date: 2024-06-01}"
        },
    )
    reports = {r.name: r for r in all_reports(derive(load_dataset(repo.project), early))}
    for report in reports.values():
        for table in report.tables:
            for column, header in enumerate(table.headers):
                if "days" in header or "tenure" in header:
                    values = [row[column] for row in table.rows if row[column] is not None]
                    assert all(value >= 0 for value in values), (report.name, table.title, header, values)
    complaints = {t.title: t.rows for t in reports["complaints"].tables}
    assert complaints["open"] == [] and complaints["rate_per_quarter"][-1][1] == 0
    interactions = {t.title: t.rows for t in reports["interactions"].tables}
    assert sum(n for _, n in interactions["per_month"]) == 0 and interactions["per_channel"] == []
    lifetime = {row[0]: row for row in {t.title: t.rows for t in reports["high_value"].tables}["lifetime_value"]}
    assert lifetime["C20240501004"][5] is None  # first contact after today: no tenure yet


def test_a_renewal_order_after_today_does_not_renew(repo):
    repo.good(
        "C20240501001",
        **{
            "key_dates:": "orders:\n  - {date: 2024-07-10, item: 续约, amount: 100, kind: renewal, status: paid}\n"
            "key_dates:\n  - {kind: renewal_due, date: 2024-06-20}"
        },
    )
    got = {t.title: t.rows for t in renewals(derive(load_dataset(repo.project), TODAY)).tables}
    assert got["due"] == [["C20240501001", "A科技有限公司", date(2024, 6, 20), False]]
    later = {t.title: t.rows for t in renewals(derive(load_dataset(repo.project), date(2024, 7, 10))).tables}
    assert later["due"][0][3] is True


# --- Chinese pages and downloads -----------------------------------------------------------------


OPTION_KEYS = (
    r"\b(online_ads|phone|im|email|visit|software_it|not_started|active|potential|risk_warning|key|standard|li\.wei)\b"
)


def test_zh_report_pages_have_no_raw_keys_and_chinese_headers(repo):
    pages, _ = built(repo, "zh")
    for src, html in pages.items():
        text = visible(html)
        assert not re.search(OPTION_KEYS, text), (src, re.search(OPTION_KEYS, text))
        # no English word but the formats' names, the currency code and quarter labels
        words = set(re.findall(r"[A-Za-z][A-Za-z.]+", re.sub(r"\d{4}Q\d|C\d{11}", "", text)))
        assert words <= {"CSV", "XLSX", "PDF", "CNY"}, (src, words)
        for header in re.findall(r"<th>(.*?)</th>", html):
            assert not re.search(r"[A-Za-z]", header), (src, header)


def test_zh_downloads_have_chinese_headers_and_typed_numbers(repo):
    _, files = built(repo, "zh")
    rows = list(csv.reader(io.StringIO(files["reports/distribution.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["客户构成: 按客户来源"] and rows[1] == ["客户来源", "客户数", "占比"]
    assert rows[2] == ["线上推广", "3", "100.0%"]
    for name in ("distribution", "renewals", "high_value", "follow_up", "data_quality", "complaints"):
        book = openpyxl.load_workbook(io.BytesIO(files[f"reports/{name}.xlsx"]))
        for sheet in book.worksheets:
            assert not re.search(r"[A-Za-z]", sheet.title), sheet.title
            headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
            assert not any(re.search(r"[A-Za-z]", str(h)) for h in headers), (name, headers)
    top = openpyxl.load_workbook(io.BytesIO(files["reports/high_value.xlsx"])).worksheets[0]
    share_cell, revenue_cell = top.cell(2, 5), top.cell(2, 3)
    assert share_cell.value == 1 and share_cell.number_format == "0.0%"
    assert revenue_cell.value == 16803925 and revenue_cell.number_format == '#,##0.00 "CNY"'
    source = openpyxl.load_workbook(io.BytesIO(files["reports/distribution.xlsx"])).worksheets[0]
    assert [c.value for c in source[2]] == ["线上推广", 3, 1]


def test_wording_defaults_to_the_engine_words(views):
    wording = Wording.of(views, "en")
    table = next(t for t in all_reports(views)[0].tables if t.title == "owner")
    assert wording.headers(table) == ["owner", "customers", "share"] and wording.row(table, table.rows[0])[0] == "李伟"


# --- page weight ------------------------------------------------------------------------------


def test_a_large_duplicate_group_shows_ten_links_and_how_many_more_while_the_downloads_keep_all(repo):
    """At 100,000 customers a duplicate group of 60 made the data-quality page 854 KB (issue 17)."""
    from plaincrm.site.pages import CELL_CHARS, CELL_ITEMS

    ids = [f"C20240502{n:03d}" for n in range(1, 26)]
    for n, customer_id in enumerate(ids):
        repo.good(customer_id, f"同名重复客户有限公司第{n:02d}号分公司" * 3, **{'"13812345678"': f'"1390000{n:04d}"'})
    pages, files = built_as_is(repo, "zh")
    row = next(r for r in rows_of(pages["reports/data_quality.md"]) if "C20240502001" in r)
    assert row.count('<a href="../customers/') == CELL_ITEMS
    assert "另有 15 个" in visible(row)
    names = visible(row).split("（下载文件中包含全部）")[-1].strip()
    assert len(names) == CELL_CHARS + 1 and names.endswith("…")
    downloaded = files["reports/data_quality.csv"].decode("utf-8-sig")
    assert all(customer_id in downloaded for customer_id in ids)


def built_as_is(repo, lang: str):
    site = build_for_site(repo.root, today=TODAY, lang=lang)[1]
    files = {src: background.resolve(data) for src, data in site.files.items() if src.startswith("reports/")}
    return {p.src: p.html for p in site.pages if p.src.startswith("reports/")}, files
