"""One site per reader: what a salesperson's site holds of the customers they must not see (nothing,
scanned byte by byte), reports without names, relations to another team's customer, sub-teams, the
settings' defaults, and the check that an owner can read what they edit."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.access import ALL, owners_read_by, rule_of, sees
from plaincrm.audience import Redactor, audience_of, every_audience, reports_for, restrict
from plaincrm.dataset import load_dataset
from plaincrm.modelkit import DEFAULT_AUDIENCES, AudienceRule
from plaincrm.project import Project
from plaincrm.views import derive

from .gitkit import ScriptedGit
from .sitekit import crm_in, make_site_repo


def _records(root: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((root / "records" / "customers").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[data["id"]] = data
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, Path]:
    """The sample with a history whose commits name other teams' customers, built into one site per reader."""
    root = make_site_repo(tmp_path_factory.mktemp("audiences"), language="zh")
    git = ScriptedGit(root)
    git.commit("导入客户：深圳市启明星教育科技有限公司 C20231120001 等")
    path = root / "records" / "customers" / "C20240501001.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("\nnotes: ", "\nnotes: 与杭州百汇商贸有限公司（C20240501002）同一园区。", 1), encoding="utf-8"
    )
    git.commit("C20240501001 与 杭州百汇商贸有限公司 C20240501002 同园区", date="2026-11-20T09:00:00+08:00")
    out = root / "build" / "sites"
    done = crm_in(root, "sites", str(out))
    assert done.returncode == 0, done.stderr
    return root, out


def _texts(site: Path):
    """Every file of a site as text: workbooks unzipped, the rest decoded whatever they are."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".xlsx" or data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                for member in book.namelist():
                    yield f"{path}!{member}", book.read(member).decode("utf-8", "replace")
        elif path.suffix == ".gz":
            import gzip

            yield str(path), gzip.decompress(data).decode("utf-8", "replace")
        else:
            yield str(path), data.decode("utf-8", "replace")


def _secrets(records: dict[str, dict], visible: set[str], project: Project) -> dict[str, str]:
    """What would give away a customer the reader must not see: id, name, contact values (as written
    and as the site masks them) and the hashes of their phones and e-mail addresses. A value one of
    the reader's own customers holds too is theirs to read, so it is left out."""
    from plaincrm.masking import mask_email, mask_phone

    dataset = load_dataset(project)
    mine: set[str] = set()
    for cid in visible:
        data = records[cid]
        mine |= {cid, data["name"], *dataset.contact_keys.get(cid, ())}
        for contact in data.get("contacts") or []:
            mine |= {str(v) for v in contact.values() if isinstance(v, str)}
            mine |= {mask_phone(str(contact["phone"]))} if contact.get("phone") else set()
            mine |= {mask_email(str(contact["email"]))} if contact.get("email") else set()
    out: dict[str, str] = {}
    for cid, data in records.items():
        if cid in visible:
            continue
        found = {cid, data["name"], *dataset.contact_keys.get(cid, ())}
        for contact in data.get("contacts") or []:
            for key in ("phone", "email", "im"):
                value = contact.get(key)
                if value:
                    found.add(str(value))
                    found.add(
                        mask_phone(str(value)) if key == "phone" else mask_email(str(value)) if key == "email" else ""
                    )
        out.update({value: cid for value in found if len(value) >= 4 and value not in mine})
    # the hand-written guides show a masked number as an example (138****5678): documentation, not a record
    guides = "".join(p.read_text(encoding="utf-8") for p in (project.root / "site").glob("*.md"))
    return {value: cid for value, cid in out.items() if value not in guides}


@pytest.mark.parametrize("reader", ["li.wei", "wang.fang", "emma.hu"])  # every reader whose site is not everyone
def test_a_salespersons_site_holds_nothing_of_the_customers_they_must_not_see(sites, reader):
    root, out = sites
    records = _records(root)
    visible = {cid for cid, data in records.items() if data["owner"] == reader}
    secrets = _secrets(records, visible, Project(root))
    own_names = sorted((records[cid]["name"] for cid in visible), key=len, reverse=True)
    site = out / reader
    assert (site / "index.html").is_file() and len(secrets) > 50
    files = hits = 0
    leaks = []
    for where, text in _texts(site):
        files += 1
        for name in own_names:  # a branch named after its head office says its own name
            text = text.replace(name, "")
        for value, cid in secrets.items():
            if value in text:
                hits += 1
                at = text.index(value)
                leaks.append((where, cid, value, text[max(0, at - 40) : at + 40]))
    assert files > 40 and hits == 0, leaks[:10]
    # each of their own customers has its page; no one else's
    pages = {p.stem for p in (site / "customers").glob("C*.html")}
    assert pages == visible


def test_the_all_site_and_a_managers_site_have_every_customer(sites):
    root, out = sites
    every = set(_records(root))
    for reader in (ALL, "chen.jie", "zhang.min"):
        assert {p.stem for p in (out / reader / "customers").glob("C*.html")} == every, reader


def test_aggregate_reports_count_the_whole_team_and_name_no_customer(sites):
    root, out = sites
    records = _records(root)
    site = out / "li.wei" / "reports"
    pages = sorted(site.glob("*.html"))
    assert len(pages) >= 4
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "以下为全团队的统计数字，不列出具体客户。" in html
        assert "customers/C" not in html  # no row leads to a customer
        for cid, data in records.items():
            assert cid not in html and data["name"] not in html, (page.name, cid)
    distribution = (site / "distribution.html").read_text(encoding="utf-8")
    assert f">{len(records)}<" in distribution or f"{len(records)}" in distribution  # the whole team's count


def test_another_teams_customer_is_named_neither_in_relations_nor_in_notes_nor_history(sites):
    root, out = sites
    # C20260310001 (li.wei's) is a branch of C20230612001 (chen.jie's)
    branch = (out / "li.wei" / "customers" / "C20260310001.html").read_text(encoding="utf-8")
    assert "其他团队的客户" in branch and "C20230612001" not in branch
    assert "成都锦味餐饮管理集团有限公司西安分公司" in branch  # its own name stays whole
    # C20230816001's notes name wang.fang's customer; the history's commit subjects name hers too
    referrer = (out / "li.wei" / "customers" / "C20230816001.html").read_text(encoding="utf-8")
    assert "曾介绍其他团队的客户" in referrer
    page = (out / "li.wei" / "customers" / "C20240501001.html").read_text(encoding="utf-8")
    assert "杭州百汇商贸有限公司" not in page and "C20240501002" not in page and "其他团队的客户" in page
    # on the manager's site every name stays
    manager = (out / "chen.jie" / "customers" / "C20240501001.html").read_text(encoding="utf-8")
    assert "杭州百汇商贸有限公司" in manager


def test_owner_pages_and_calendars_are_only_the_readers_own(sites):
    _, out = sites
    assert sorted(p.stem for p in (out / "li.wei" / "owners").glob("*.html")) == ["index", "li.wei"]
    assert sorted(p.name for p in (out / "li.wei" / "calendars").rglob("*.ics")) == ["li.wei.ics", "team.ics"]
    assert len(list((out / ALL / "owners").glob("*.html"))) == 7  # the index and every member


def test_crm_pages_takes_an_audience_and_refuses_a_reader_who_is_not_one(sites, tmp_path):
    root, _ = sites
    done = crm_in(root, "pages", str(tmp_path / "pages"), "--audience", "wang.fang")
    assert done.returncode == 0, done.stderr
    mine = {cid for cid, data in _records(root).items() if data["owner"] == "wang.fang"}
    assert {p.stem for p in (tmp_path / "pages" / "customers").glob("C*.md")} == mine
    done = crm_in(root, "pages", str(tmp_path / "nobody"), "--audience", "no.such\x1b[31m")
    assert done.returncode == 2 and "neither a member" in done.stderr and "\x1b" not in done.stderr
    assert not (tmp_path / "nobody").exists()


# --- the rules, without a site ----------------------------------------------------------------------


def test_the_defaults_follow_the_guides():
    assert DEFAULT_AUDIENCES["sales"] == AudienceRule(customers="own", reports="aggregates")
    for role in ("manager", "admin", "service"):
        assert DEFAULT_AUDIENCES[role].customers == "all" and DEFAULT_AUDIENCES[role].reports == "full"


def _project(root: Path, settings_extra: str = "", team: str | None = None) -> Project:
    make_site_repo(root)
    if settings_extra:
        with (root / "schema" / "settings.yaml").open("a", encoding="utf-8") as f:
            f.write(settings_extra)
    if team is not None:
        (root / "records" / "team.yaml").write_text(team, encoding="utf-8")
    return Project(root)


TEAM_WITH_GROUPS = """\
members:
  - {handle: li.wei, name: 李伟, role: sales, group: 华东组}
  - {handle: wang.fang, name: 王芳, role: sales, group: 华东组}
  - {handle: zhang.min, name: 张敏, role: service}
  - {handle: chen.jie, name: 陈杰, role: manager}
  - {handle: emma.hu, name: Emma Hu, role: sales, group: 海外组}
  - {handle: admin, name: 系统管理员, role: admin}
"""


def test_own_and_team_reads_the_sub_teams_customers(tmp_path):
    project = _project(tmp_path, "audiences:\n  sales: {customers: own+team, reports: full}\n", TEAM_WITH_GROUPS)
    dataset = load_dataset(project, masked=True)
    views = derive(dataset, __import__("datetime").date(2026, 11, 23))
    li = restrict(views, audience_of(project.settings.audiences, dataset.team, "li.wei"), "其他团队的客户")
    assert {v.model.owner for v in li.customers.values()} == {"li.wei", "wang.fang"}
    emma = restrict(views, audience_of(project.settings.audiences, dataset.team, "emma.hu"), "x")
    assert {v.model.owner for v in emma.customers.values()} == {"emma.hu"}
    # full reports over what she reads: the follow-up table names only her customers
    named = {row[0] for r in reports_for(emma) for t in r.tables if t.kind(0) == "customer" for row in t.rows}
    assert named and named <= set(emma.customers)
    # the service role keeps its default (only sales was set)
    assert project.settings.audiences["service"].customers == "all"


def test_hidden_fields_are_not_shown_at_all(tmp_path):
    project = _project(
        tmp_path, "audiences:\n  service: {customers: all, reports: none, hidden_fields: [contacts.email, notes]}\n"
    )
    dataset = load_dataset(project, masked=True)
    views = derive(dataset, __import__("datetime").date(2026, 11, 23))
    zhang = restrict(views, audience_of(project.settings.audiences, dataset.team, "zhang.min"), "x")
    assert len(zhang.customers) == len(views.customers) and reports_for(zhang) == []
    for view in zhang.customers.values():
        assert view.model.notes is None
        assert all(c.email is None for c in view.model.contacts)
    assert any(c.email for v in views.customers.values() for c in v.model.contacts)  # the whole views keep them


def test_a_member_whose_role_reads_nothing_cannot_own_a_customer(tmp_path):
    team = TEAM_WITH_GROUPS.replace(
        "{handle: emma.hu, name: Emma Hu, role: sales", "{handle: emma.hu, name: Emma Hu, role: intern"
    )
    _project(tmp_path, team=team)
    options = (tmp_path / "schema" / "options.yaml").read_text(encoding="utf-8")
    options = options.replace(
        "  admin: {en: Administrator, zh: 管理员}\n",
        "  admin: {en: Administrator, zh: 管理员}\n  intern: {en: Intern, zh: 实习生}\n",
    )
    (tmp_path / "schema" / "options.yaml").write_text(options, encoding="utf-8")
    done = crm_in(tmp_path, "validate", "--no-cache")
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if "reads no customer" in line]
    owned = [cid for cid, data in _records(tmp_path).items() if data["owner"] == "emma.hu"]
    assert len(lines) == len(owned) > 0 and all(
        ":owner:" in line.replace(" ", "") or " owner:" in line for line in lines
    )
    done = crm_in(tmp_path, "validate", "--no-cache", "--lang", "zh")
    assert "看不到任何客户" in done.stdout
    assert [a.name for a in every_audience(Project(tmp_path).settings.audiences, load_dataset_team(tmp_path))].count(
        "emma.hu"
    ) == 0


def load_dataset_team(root: Path):
    from plaincrm.dataset import load_team

    return load_team(Project(root)).members


def test_an_unknown_rule_value_in_settings_is_refused(tmp_path):
    make_site_repo(tmp_path)
    with (tmp_path / "schema" / "settings.yaml").open("a", encoding="utf-8") as f:
        f.write("audiences:\n  sales: {customers: everyone}\n")
    done = crm_in(tmp_path, "validate")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "settings.yaml: audiences.sales.customers: Input should be 'all', 'own' or 'own+team'" in done.stderr


@settings(max_examples=60, deadline=None)
@given(
    owners=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=12),
    groups=st.fixed_dictionaries({h: st.sampled_from([None, "g1", "g2"]) for h in "abcd"}),
    reader=st.sampled_from(["a", "b", "c", "d", ALL]),
    customers=st.sampled_from(["all", "own", "own+team"]),
)
def test_a_reader_sees_exactly_the_customers_the_rule_gives(owners, groups, reader, customers):
    class Member:
        def __init__(self, group):
            self.role, self.group = "sales", group

    class Customer:
        def __init__(self, owner):
            self.owner = owner

    team = {h: Member(g) for h, g in groups.items()}
    rules = {"sales": AudienceRule(customers=customers)}
    rule = rule_of(rules, team, reader)
    assert rule is not None
    readable = owners_read_by(rule, team, reader)
    seen = {o for o in owners if sees(readable, Customer(o))}
    if reader == ALL or customers == "all":
        assert seen == set(owners)
    elif customers == "own" or groups[reader] is None:
        assert seen == {reader} & set(owners)
    else:
        assert seen == {o for o in owners if o == reader or groups[o] == groups[reader]}


@settings(max_examples=80, deadline=None)
@given(
    hidden=st.lists(st.text(alphabet="北京上海科技有限公司AB甲乙", min_size=2, max_size=8), max_size=6),
    kept=st.lists(st.text(alphabet="北京上海科技有限公司AB甲乙", min_size=2, max_size=10), max_size=4),
    text=st.text(alphabet="北京上海科技有限公司AB甲乙，。 ", max_size=60),
)
def test_the_redactor_leaves_no_hidden_name_outside_a_kept_one(hidden, kept, text):
    kept = [k for k in kept if k not in hidden]
    out = Redactor(hidden, kept, "\0").text(text)
    for name in kept:
        out = out.replace(name, "")
    for name in hidden:
        assert name not in out.replace("\0", "|")


def test_a_member_cannot_take_the_handle_of_the_site_with_every_customer(tmp_path):
    team = TEAM_WITH_GROUPS.replace("{handle: emma.hu,", "{handle: all,")
    _project(tmp_path, team=team)
    (tmp_path / "records" / "customers" / "C20250303001.yaml").unlink(missing_ok=True)
    for path in (tmp_path / "records" / "customers").glob("*.yaml"):  # nobody owns a customer as emma.hu
        path.write_text(path.read_text(encoding="utf-8").replace("emma.hu", "li.wei"), encoding="utf-8")
    done = crm_in(tmp_path, "validate", "--no-cache")
    assert done.returncode == 1
    assert "records/team.yaml:" in done.stdout and "the handle 'all' is reserved" in done.stdout
