"""The generated site: every page, escaping, masking, language, search — built by real MkDocs."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from plaincrm.project import Project
from plaincrm.site.build import build_for_site
from plaincrm.site.pages import customer_src, relative_url, slug

from .conftest import REPO
from .sitekit import XSS_MARKERS, XSS_RECORD, make_site_repo, mkdocs_build

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = make_site_repo(tmp_path_factory.mktemp("site"), extra={"C20261101001.yaml": XSS_RECORD})
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def site():
    return build_for_site(REPO, today=TODAY, repo_url="https://git.example.com/team/crm")[1]


def test_every_customer_segment_and_owner_has_a_page(site):
    project = Project(REPO)
    ids = {p.stem for p in project.customer_files()}
    assert {p.src for p in site.customer_pages()} == {customer_src(i) for i in ids}
    srcs = {p.src for p in site.pages}
    assert {"index.md", "customers/index.md", "segments/index.md", "owners/index.md"} <= srcs
    assert "segments/cooperation/active.md" in srcs and "segments/tier/risk_warning.md" in srcs
    assert "segments/tags/高意向.md" in srcs and "owners/li.wei.md" in srcs


def test_relations_show_both_ways(site):
    pages = {p.src: p.html for p in site.customer_pages()}
    head_office = pages["customers/C20230612001.md"]
    assert "Branches" in head_office and "C20250508001.html" in head_office and "C20260310001.html" in head_office
    branch = pages["customers/C20250508001.md"]
    assert "Head office" in branch and "C20230612001.html" in branch
    referred = pages["customers/C20240501002.md"]
    assert "Referred by" in referred and "C20230612001.html" in referred


def test_customer_page_shows_labels_timeline_and_edit_links(site):
    html = next(p.html for p in site.customer_pages() if p.src == "customers/C20240501001.md")
    assert "Information, software and IT services" in html
    assert 'href="https://git.example.com/team/crm/edit/main/records/customers/C20240501001.yaml"' in html
    dates = re.findall(r"<td>(20\d\d-\d\d-\d\d)</td>", html.split('id="interactions"')[1].split("</table>")[0])
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2  # newest first


def test_home_lists_overdue_follow_ups(site):
    home = next(p.html for p in site.pages if p.src == "index.md")
    overdue = home.split("Overdue follow-ups")[1].split("<h2>")[0]
    dues = re.findall(r"<td>(20\d\d-\d\d-\d\d)</td>", overdue)
    assert dues and all(d < "2026-11-23" for d in dues)


def test_slugs_cannot_escape_their_folder():
    for value in ("../../etc", "a/b", ".hidden", "", "正常", "with space"):
        made = slug(value)
        assert "/" not in made and not made.startswith(".") and made
    assert slug("高意向") == "高意向" and slug("li.wei") == "li.wei"


def test_relative_urls():
    assert relative_url("customers/C1.html", "segments/tier/key.html") == "../segments/tier/key.html"
    assert relative_url("index.html", "customers/index.html") == "customers/index.html"
    assert relative_url("customers/C1/", "") == "../../"
    assert relative_url("", "customers/C1/") == "customers/C1/"


def test_build_writes_every_customer_page(built):
    out = built / "out"
    ids = [p.stem for p in (built / "records" / "customers").glob("*.yaml")]
    for customer_id in ids:
        page = (out / "customers" / f"{customer_id}.html").read_text(encoding="utf-8")
        assert '<link rel="stylesheet" href="../assets/plaincrm/plaincrm.css">' in page
    assert not (out / "customers" / "pcrm-shell-page.html").exists()
    sample = (out / "customers" / "C20240501001.html").read_text(encoding="utf-8")
    assert "<title>A科技有限公司 · C20240501001 - plaincrm</title>" in sample
    assert "pcrm-shell" not in sample and "pcrm-title-" not in sample


def test_record_strings_are_inert_everywhere(built):
    out = built / "out"
    page = (out / "customers" / "C20261101001.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;恶意公司&lt;/title&gt;" in page
    assert "{{ 7*7 }}" in page and "49" not in re.findall(r"pcrm-chip[^>]*>([^<]*)<", page)
    assert 'href="javascript' not in page and "<strong>not bold</strong>" not in page
    for path in out.rglob("*"):
        if path.suffix in (".html", ".js", ".json", ".xml") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for marker in XSS_MARKERS:
                assert marker not in text, f"{marker!r} unescaped in {path.relative_to(out)}"


def _contact_values(root: Path) -> set[str]:
    values = set()
    for path in (root / "records" / "customers").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for contact in data.get("contacts", []):
            for key in ("phone", "email"):
                value = contact.get(key)
                if value and "*" not in str(value):
                    values.add(str(value))
    return values


def test_no_unmasked_phone_or_email_anywhere_in_the_built_site(built):
    values = _contact_values(built)
    assert len(values) > 20
    for path in (built / "out").rglob("*"):
        if path.is_file() and path.suffix not in (".png", ".ico", ".gz", ".woff2", ".svg"):
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [v for v in values if v in text]
            assert not leaked, f"{path.relative_to(built / 'out')} shows {leaked[:3]}"


def test_customers_are_searched_by_plaincrms_own_lean_index(built):
    index = json.loads((built / "out" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not any(d["location"].startswith(("customers/", "segments/")) for d in index["docs"])
    size = (built / "out" / "search" / "customers.js").stat().st_size
    assert size / len(list((built / "records" / "customers").glob("*.yaml"))) < 1500


def test_site_makes_no_request_to_another_host(built):
    for path in (built / "out").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        external = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?:)?//', text)
        assert not external, path


def test_invalid_records_fail_the_build_with_positions(tmp_path):
    bad = XSS_RECORD.replace("C20261101001", "C20261101002").replace("channel: email", "channel: fax")
    root = make_site_repo(tmp_path, extra={"C20261101002.yaml": bad})
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "records/customers/C20261101002.yaml:17:14: interactions[0].channel: 'fax' is not one of" in result.stderr


def test_chinese_interface(tmp_path):
    root = make_site_repo(tmp_path, language="zh")
    assert mkdocs_build(root).returncode == 0
    page = (root / "out" / "customers" / "C20240501001.html").read_text(encoding="utf-8")
    assert "所属行业" in page and "信息传输、软件和信息技术服务业" in page and "编辑此记录" in page
    assert '<html lang="zh"' in page
    home = (root / "out" / "index.html").read_text(encoding="utf-8")
    assert "按合作状态" in home and "合作中" in home
    tabs = re.findall(r'class="md-tabs__link[^"]*"[^>]*>\s*([^<]+?)\s*<', home)
    assert tabs[:4] == ["首页", "客户", "客户分组", "跟进人"]


def test_a_team_field_shows_on_the_customer_page(tmp_path):
    root = make_site_repo(tmp_path)
    customer = root / "schema" / "customer.py"
    anchor = '    satisfaction: Satisfaction | None = labelled("Satisfaction", "满意度评分", None)\n'
    customer.write_text(
        customer.read_text().replace(
            anchor, anchor + '    wechat_group: str | None = labelled("WeChat group", "微信群", None)\n'
        )
    )
    record = root / "records" / "customers" / "C20240501001.yaml"
    record.write_text(record.read_text(encoding="utf-8") + "wechat_group: A科技对接群\n", encoding="utf-8")
    assert mkdocs_build(root).returncode == 0
    page = (root / "out" / "customers" / "C20240501001.html").read_text(encoding="utf-8")
    assert "<th>WeChat group</th><td>A科技对接群</td>" in page


def test_crm_pages_writes_the_same_pages_for_other_engines(tmp_path):
    from plaincrm.cli import main

    assert main(["--root", str(REPO), "pages", str(tmp_path / "pages"), "--today", "2026-11-23"]) == 0
    text = (tmp_path / "pages" / "customers" / "C20240501001.md").read_text(encoding="utf-8")
    front, body = text.split("---\n", 2)[1:]
    assert yaml.safe_load(front)["title"] == "A科技有限公司 · C20240501001"  # the rest: tests/test_second_engine.py
    assert 'class="pcrm pcrm-customer"' in body
    assert (tmp_path / "pages" / "customers" / "index-data.js").exists()


def test_mkdocs_serve_shows_a_record_edit(tmp_path):
    import urllib.request

    from .sitekit import mkdocs_serving, wait_until

    root = make_site_repo(tmp_path)
    with mkdocs_serving(root) as serve:
        page = "customers/C20240501001.html"
        assert wait_until(lambda: "A科技有限公司" in serve.page(page), 60)
        record = root / "records" / "customers" / "C20240501001.yaml"
        record.write_text(
            record.read_text(encoding="utf-8").replace("服务器运维解决方案", "服务器运维解决方案 edited-in-serve"),
            encoding="utf-8",
        )
        assert wait_until(lambda: "edited-in-serve" in serve.page(page), 30)
        other = (
            urllib.request.urlopen(f"http://127.0.0.1:{serve.port}/customers/C20240501002.html", timeout=5)
            .read()
            .decode()
        )
        assert "杭州百汇商贸有限公司" in other  # unchanged pages are still served
    output = serve.output
    assert re.search(r"plaincrm: 1 of \d+ customer pages changed", output), output  # only the edited page re-rendered


def test_crm_pages_removes_what_it_wrote_for_a_deleted_customer_and_nothing_else(tmp_path):
    import shutil

    from plaincrm.cli import main

    root = make_site_repo(tmp_path / "repo")
    out = tmp_path / "pages"
    out.mkdir()
    (out / "mine.md").write_text("kept")
    assert main(["--root", str(root), "pages", str(out), "--today", "2026-11-23"]) == 0
    assert (out / "customers" / "C20240501001.md").exists()
    (root / "records" / "customers" / "C20240501001.yaml").unlink()
    shutil.rmtree(root / ".cache", ignore_errors=True)
    # 002 names 001 nowhere; removing 001 keeps the records valid
    assert main(["--root", str(root), "pages", str(out), "--today", "2026-11-23"]) == 0
    assert not (out / "customers" / "C20240501001.md").exists()
    assert (out / "mine.md").read_text() == "kept"


def test_names_of_generated_pages_are_reserved():
    assert slug("index") != "index" and slug("team") != "team" and slug("Index").lower() != "index"
