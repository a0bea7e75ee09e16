"""Every report figure against numbers worked out by hand on a five-customer fixture."""

from __future__ import annotations

from datetime import date

import pytest

from plaincrm.cli import main
from plaincrm.dataset import load_dataset
from plaincrm.reports import (
    complaints,
    distribution,
    follow_up_health,
    high_value,
    interactions,
    renewals,
    satisfaction,
)
from plaincrm.views import derive

TODAY = date(2024, 6, 30)
NEXT = "    next_step: {action: 提供合同, due: 2024-05-17}\n"
ORDERS = "key_dates:"


def orders(*items: str) -> str:
    return "orders:\n" + "".join(f"  - {item}\n" for item in items) + "key_dates:"


@pytest.fixture
def views(repo):
    repo.good(
        "C20240501001",
        **{
            ORDERS: orders("{date: 2024-02-20, item: 续约, amount: 100, kind: renewal, status: paid}")
            + "\n  - {kind: renewal_due, date: 2024-03-01}",
            "interactions:\n": "interactions:\n  - {date: 2023-01-01, channel: visit, topic: a, summary: b, by: [li.wei]}\n"
            "  - {date: 2022-12-31, channel: visit, topic: a, summary: b, by: [li.wei]}\n",
        },
    )
    repo.good(
        "C20240501002",
        **{
            "cooperation: not_started": "cooperation: active\nservice_cases:\n"
            "  - {kind: complaint, opened: 2024-04-05, resolved: 2024-04-15, status: resolved, summary: 延迟}",
            ORDERS: orders("{date: 2024-03-01, item: 服务, amount: 100, status: paid}")
            + "\n  - {kind: renewal_due, date: 2024-05-01}\n  - {kind: renewal_due, date: 2023-06-29}",
        },
    )
    repo.good(
        "C20240501003",
        **{
            ORDERS: orders(
                "{date: 2024-03-01, item: 设备, amount: 50, status: paid}",
                "{date: 2024-03-02, item: 设备, amount: 1000, status: cancelled}",
                "{date: 2024-03-03, item: 设备, amount: 500, status: quoted}",
            ),
            "key_dates:\n  - {kind: first": "service_cases:\n  - {kind: complaint, opened: 2024-06-30, summary: 质量}\nkey_dates:\n  - {kind: first",
        },
    )
    repo.good(
        "C20240501004", **{"tags: [高意向]": "tags: []\nsatisfaction: 2", "interactions:\n": "interactions: []\nx:\n"}
    )
    repo.good("C20240501005", **{"    by: [li.wei]\n": "    by: [li.wei]\n    satisfaction: 5\n"})
    text = (repo.customers / "C20240501004.yaml").read_text()
    start = text.index("x:\n")
    (repo.customers / "C20240501004.yaml").write_text(text[:start] + text[text.index("key_dates:") :])
    return derive(load_dataset(repo.project), TODAY)


def tables(report):
    return {t.title: t.rows for t in report.tables}


def test_distribution(views):
    got = tables(distribution(views))  # option values stay values: the reader's wording labels them
    assert got["source"] == [["online_ads", 5, 1.0]]
    assert got["cooperation"] == [["not_started", 4, 0.8], ["active", 1, 0.2]]


def test_interactions_include_the_first_day_of_the_window(views):
    got = tables(interactions(views))
    per_month = dict(got["per_month"])
    assert len(per_month) == 18 and list(per_month)[0] == "2023-01" and list(per_month)[-1] == "2024-06"
    assert per_month["2023-01"] == 1 and per_month["2024-05"] == 4 and sum(per_month.values()) == 5
    assert got["per_channel"] == [["phone", 4], ["visit", 1]]
    assert got["per_person"] == [["li.wei", 5]]


def test_complaints(views):
    got = tables(complaints(views))
    assert got["rate_per_quarter"][-2:] == [["2024Q1", 0, 0, 0.0], ["2024Q2", 2, 5, 0.4]]
    assert got["resolution"] == [[1, 10.0]]
    assert got["open"] == [["C20240501003", "A科技有限公司", date(2024, 6, 30), 0, "质量"]]


def test_renewals(views):
    got = tables(renewals(views))
    assert got["rate"] == [[2, 1, 0.5]]
    assert [row[0] for row in got["due"]] == ["C20240501001", "C20240501002"]


def test_top_20_percent_with_a_tie_at_the_cut(views):
    got = tables(high_value(views))
    assert got["top"] == [[2, 5, 200.0, 250.0, 0.8]]  # ceil(5 * 0.2) = 1 customer, but 001 and 002 tie at 100
    assert got["pareto"][:3] == [[1, 0.2, 0.4], [2, 0.4, 0.8], [3, 0.6, 1.0]]
    lifetime = {row[0]: row[2:] for row in got["lifetime_value"]}
    assert lifetime["C20240501003"] == [50.0, 1, 50.0, 60]  # cancelled and quoted orders do not count
    assert lifetime["C20240501004"] == [0.0, 0, 0.0, 60]


def test_satisfaction(views):
    got = tables(satisfaction(views))
    assert got["distribution"] == [[1, 0], [2, 1], [3, 0], [4, 0], [5, 1]]
    assert got["trend"][-1] == ["2024Q2", 1, 5.0]
    assert got["low"] == [["C20240501004", "A科技有限公司", 2, "li.wei"]]


def test_follow_up_health(views):
    got = tables(follow_up_health(views))
    assert got["idle_by_owner"] == [["li.wei", 1]]
    assert got["idle"] == [["li.wei", "C20240501002", "A科技有限公司", 51]]
    assert got["idle_potential"] == [["li.wei", "C20240501004", "A科技有限公司", None]]
    assert [row[1] for row in got["overdue_next_steps"]] == [
        "C20240501001",
        "C20240501002",
        "C20240501003",
        "C20240501005",
    ]


def test_no_orders_and_a_single_customer(repo):
    repo.good()
    got = tables(high_value(derive(load_dataset(repo.project), TODAY)))
    assert got["top"] == [[0, 1, 0, 0.0, 0.0]] and got["pareto"] == [[1, 1.0, 0.0]]


def test_crm_report(views, repo, capsys):
    assert main(["--root", str(repo.root), "report", "renewals", "--today", "2024-06-30"]) == 0
    out = capsys.readouterr().out
    assert (
        "== Renewals: Renewal rate (last 12 months)\n  renewals due  renewed  rate\n  2             1        50.0%\n"
        in out
    )
    assert main(["--root", str(repo.root), "report", "renewals", "--today", "2024-06-30", "--format", "csv"]) == 0
    assert "renewals.rate\r\nrenewals due,renewed,rate\r\n2,1,50.0%\r\n" in capsys.readouterr().out
    assert main(["--root", str(repo.root), "report", "nope"]) == 2


def test_company_names_are_compared_without_legal_form_or_spacing():
    from plaincrm.matching import normalised_name

    assert normalised_name("A科技有限公司") == normalised_name("A 科技") == normalised_name("Ａ科技有限责任公司")
    assert normalised_name("Meridian Logistics Pte. Ltd.") == normalised_name("meridian logistics")
    assert normalised_name("Acme Co., Ltd.") == normalised_name("ACME") != normalised_name("Acme Tools")


def test_data_quality_finds_gaps_and_suspected_duplicates(repo):
    from plaincrm.reports import data_quality

    repo.good("C20240501001")  # 张经理 13812345678 zhang@example.com
    repo.good(
        "C20240501002",
        name="A 科技 Co., Ltd.",
        **{'phone: "13812345678"': 'phone: "+86 138-1234-5678"', "zhang@": "li@"},
    )
    repo.good("C20240501003", name="B商贸", **{"zhang@": "ZHANG@", 'phone: "13812345678"': 'phone: "139****0000"'})
    repo.good(
        "C20240501004",
        name="C制造厂",
        **{"needs: 需要服务器运维解决方案\n": "", "industry: software_it": "industry: other"},
    )
    for masked in (True, False):
        got = tables(data_quality(derive(load_dataset(repo.project, masked=masked), TODAY)))
        assert got["duplicates"] == [
            ["same e-mail", "C20240501001, C20240501003, C20240501004", "A科技有限公司 / B商贸 / C制造厂"],
            ["same name", "C20240501001, C20240501002", "A科技有限公司 / A 科技 Co., Ltd."],
            ["same phone", "C20240501001, C20240501002, C20240501004", "A科技有限公司 / A 科技 Co., Ltd. / C制造厂"],
        ]
        assert got["missing"] == [["C20240501004", "C制造厂", "li.wei", ["needs", "industry"]]]


@pytest.mark.parametrize("in_background", [False, True], ids=["inline", "forked"])
def test_report_pages_and_downloads(views, repo, monkeypatch, in_background):
    import io

    import openpyxl

    from plaincrm.site import background
    from plaincrm.site.build import build_for_site

    if in_background:
        from plaincrm import parallel

        if not parallel.can_fork():
            pytest.skip("needs fork (Linux) and two cores")
        monkeypatch.setattr(parallel, "FORK_PAYS_FROM", 0)  # every workbook made in a worker
    site = build_for_site(repo.root, today=TODAY)[1]
    deferred = [src for src, data in site.files.items() if isinstance(data, background.Deferred)]
    assert sorted(deferred) == sorted(src for src in site.files if src.endswith((".xlsx", ".csv", ".ics", ".pdf")))
    site.files.update({src: site.files[src].value() for src in deferred})
    pages = {p.src: p.html for p in site.pages}
    assert {"reports/index.md", "reports/high_value.md", "reports/data_quality.md"} <= set(pages)
    high = pages["reports/high_value.md"]
    assert "<svg" in high and 'href="high_value.xlsx"' in high and '<td class="pcrm-num">80.0%</td>' in high
    assert pages["reports/distribution.md"].count("<svg") == 6
    book = openpyxl.load_workbook(io.BytesIO(site.files["reports/high_value.xlsx"]))
    assert [c.value for c in book["Top 20% by order amount"][2]] == [2, 5, 200, 250, 0.8]
    due = openpyxl.load_workbook(io.BytesIO(site.files["reports/renewals.xlsx"]))["Renewals due"]
    assert due.cell(2, 3).value.date() == date(2024, 3, 1) and due.cell(2, 4).value is True
    csv_text = site.files["reports/renewals.csv"].decode("utf-8")
    assert csv_text.startswith(
        "\ufeffRenewals: Renewal rate (last 12 months)\r\nrenewals due,renewed,rate\r\n2,1,50.0%\r\n"
    )


def test_xlsx_survives_control_characters_pasted_into_records():
    import io

    import openpyxl

    from plaincrm.exporting import report_xlsx
    from plaincrm.reports import Report, Table, Wording

    wording = Wording("en", "CNY", lambda _key, default: default, lambda _list, value: value, str)
    data = report_xlsx(Report("x", "X", [Table("t", ["name"], [["A科技\v有限公司"], ["=1+1"]])]), TODAY, wording)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["t"]
    assert [sheet.cell(2, 1).value, sheet.cell(3, 1).value] == ["A科技有限公司", "'=1+1"]


def test_crm_report_as_csv_guards_a_name_that_reads_as_a_formula(repo, capsys):
    repo.good(name='\'=HYPERLINK("http://evil.example","点我")\'')  # quoted for YAML
    repo.good("C20240501002", name="'@SUM(1+1)*cmd|'' /C calc''!A0'")
    assert main(["--root", str(repo.root), "report", "--today", "2026-11-23", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "'=HYPERLINK" in out and "'@SUM" in out
    assert "\n=HYPERLINK" not in out and ",=HYPERLINK" not in out and ',"=HYPERLINK' not in out


def test_a_report_made_again_is_the_same_only_cell_by_cell_and_type_by_type():
    """`mkdocs serve` keeps a report made again when it is the same (its pages and downloads are keyed by
    the object): 1, 1.0 and True are equal in Python but read differently."""
    from plaincrm.reports import Report, Table, same_report

    def report(*row):
        return Report("r", "R", [Table("t", ["a", "b", "c"], [["x", *row]], kinds=("", "count", ""))])

    assert same_report(report(1, ["C1", "C2"]), report(1, ["C1", "C2"]))
    for other in (report(1.0, ["C1", "C2"]), report(True, ["C1", "C2"]), report(1, ["C1"]), report(1, ("C1", "C2"))):
        assert not same_report(report(1, ["C1", "C2"]), other)
    assert not same_report(report(float("nan"), []), report(float("nan"), []))
    assert not same_report(report(1, []), Report("r", "R", []))
