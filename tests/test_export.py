"""crm export: masked by default, typed XLSX cells, headers in the chosen language, segments, vCard."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from .conftest import make_repo
from .test_history import _crm


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo")
    repo.good()
    repo.good(
        "C20240501002",
        '=HYPERLINK("x")',
        **{"tags: [高意向]": "tags: [VIP]", "{name: 张经理,": "{name: '王, 经理; 二',"},
    )
    return repo


def test_csv_is_masked_unless_asked_and_filters_by_segment(repo):
    code, out, err = _crm(repo.root, "export", "--today", "2024-06-01")
    assert code == 0, err
    assert out.startswith("\ufeffCustomer id,Kind,Name,") and "13812345678" not in out and "138****5678" not in out
    assert "'=HYPERLINK" in out  # a spreadsheet must not run a formula from a record
    code, out, _ = _crm(repo.root, "export", "--segment", "tags=VIP", "--lang", "zh", "--today", "2024-06-01")
    lines = out.strip().splitlines()
    assert lines[0].startswith("\ufeff客户编号") and len(lines) == 2 and lines[1].startswith("C20240501002,")
    assert _crm(repo.root, "export", "--segment", "colour=red")[0] == 2


def test_xlsx_has_typed_cells(repo, tmp_path):
    import openpyxl

    target = tmp_path / "out.xlsx"
    code, _, err = _crm(repo.root, "export", "--format", "xlsx", "--out", str(target), "--today", "2024-06-01")
    assert code == 0 and "2 customers" in err and "(masked)" in err
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    row = {h: c.value for h, c in zip(header, sheet[2])}
    assert row["Customer id"] == "C20240501001" and row["Last contact"] == datetime(2024, 5, 10)
    assert isinstance(row["Order total"], (int, float)) and row["Cooperation"] == "Not started"
    assert _crm(repo.root, "export", "--format", "xlsx")[0] == 2  # binary needs a file


def test_json_and_vcard(repo):
    code, out, _ = _crm(repo.root, "export", "--format", "json")
    records = json.loads(out)
    assert [r["id"] for r in records] == ["C20240501001", "C20240501002"]
    assert records[0]["contacts"][0]["phone"] == "138****5678"
    code, out, _ = _crm(repo.root, "export", "--format", "json", "--unmasked")
    assert json.loads(out)[0]["contacts"][0]["phone"] == "13812345678"
    code, out, _ = _crm(repo.root, "export", "--format", "vcf")
    cards = out.split("BEGIN:VCARD\r\n")[1:]
    assert len(cards) == 2 and all(card.endswith("END:VCARD\r\n") for card in cards)
    assert (
        "FN:王\\, 经理\\; 二\r\n" in cards[1]
        and "TEL:138****5678\r\n" in cards[0]
        and "EMAIL:z***@example.com" in cards[0]
    )


def test_an_interrupted_export_leaves_the_old_file(tmp_path, monkeypatch):
    import os

    from plaincrm.write import atomic as writing

    target = tmp_path / "customers.csv"
    target.write_bytes(b"old")

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(writing.os, "fsync", crash)
    with pytest.raises(OSError):
        writing.write_atomically(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["customers.csv"]
