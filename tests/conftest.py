"""Shared fixtures: a throwaway plaincrm repository built from this one's schema and team."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

from plaincrm.project import Project

REPO = Path(__file__).resolve().parents[1]

# Property tests explore the same examples on every run: a failure found once is found again (and
# CI never fails on a case nobody can reproduce); each test's budget stays its own.
settings.register_profile("plaincrm", derandomize=True, deadline=None)
settings.load_profile("plaincrm")

GOOD_RECORD = """\
# yaml-language-server: $schema=../../schema/customer.schema.json
id: {id}
kind: company
name: {name}
industry: software_it
source: online_ads
category: potential
cooperation: not_started
owner: li.wei
tags: [高意向]
needs: 需要服务器运维解决方案
contacts:
  - {{name: 张经理, title: 技术总监, phone: "13812345678", email: zhang@example.com}}
interactions:
  - date: 2024-05-10
    channel: phone
    topic: 方案沟通
    summary: 客户对方案满意
    by: [li.wei]
    next_step: {{action: 提供合同, due: 2024-05-17}}
key_dates:
  - {{kind: first_contact, date: 2024-05-01}}
"""


class Repo:
    """A minimal repository on disk with helpers to write records into it."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def customers(self) -> Path:
        return self.root / "records" / "customers"

    def write(self, name: str, text: str, *, dedent: bool = True) -> Path:
        path = self.customers / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if dedent else text, encoding="utf-8")
        return path

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.customers / name
        path.write_bytes(data)
        return path

    def good(self, record_id: str = "C20240501001", name: str = "A科技有限公司", **replace: str) -> Path:
        text = GOOD_RECORD.format(id=record_id, name=name)
        for old, new in replace.items():
            text = text.replace(old, new)
        return self.write(f"{record_id}.yaml", text, dedent=False)

    @property
    def project(self) -> Project:
        return Project(self.root)


def make_repo(root: Path) -> Repo:
    shutil.copytree(REPO / "schema", root / "schema", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "records" / "customers").mkdir(parents=True)
    shutil.copy(REPO / "records" / "team.yaml", root / "records" / "team.yaml")
    return Repo(root)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "repo")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failure (screenshots)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
