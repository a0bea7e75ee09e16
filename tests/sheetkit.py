"""Shared by the import tests: spreadsheets written as users' programs write them, and the records read back."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

# The field guides' customer sheet (客户信息表), as their template heads it.
GUIDE_HEADERS = [
    "客户编号",
    "客户名称",
    "联系人",
    "联系方式",
    "所属行业",
    "客户来源",
    "核心需求",
    "最近跟进日期",
    "跟进人",
    "沟通内容摘要",
    "合作状态",
    "客户标签",
]


def records(repo) -> dict[str, str]:
    """Every record's text by id."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(repo.customers.glob("*.yaml"))}


def data(repo, record_id: str) -> dict:
    return yaml.safe_load((repo.customers / f"{record_id}.yaml").read_text(encoding="utf-8"))


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path
