"""A rebuild under `mkdocs serve` reuses what did not change (each file's parse, each customer's view and
reminders, rendered rows, report downloads): whatever the edit, its pages and files are exactly a cold
build's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from plaincrm.site.background import resolve
from plaincrm.site.build import build_for_site

from .sitekit import make_site_repo

TODAY = date(2026, 11, 23)
ID = "C20240501001"


def _snapshot(site) -> dict[str, object]:
    out: dict[str, object] = {f"page:{p.src}": (p.title, p.html) for p in site.pages}
    out.update({f"file:{path}": resolve(data) for path, data in site.files.items()})
    for page in site.customer_pages():
        out[f"customer:{page.src}"] = (page.title, page.html)
    return out


def _record(root: Path, record_id: str = ID) -> Path:
    return root / "records" / "customers" / f"{record_id}.yaml"


def _log_call(root: Path, record_id: str = ID) -> None:  # what `crm log` does most days: an interaction, a next step
    path = _record(root, record_id)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "interactions:\n",
            "interactions:\n  - {date: 2026-11-22, channel: phone, topic: 回访, summary: 确认续约, by: [li.wei],"
            " next_step: {action: 发送合同, due: 2026-11-30}}\n",
            1,
        ),
        encoding="utf-8",
    )


def _new_owner(root: Path) -> None:
    path = _record(root)
    path.write_text(path.read_text(encoding="utf-8").replace("owner: li.wei", "owner: wang.fang", 1), encoding="utf-8")


def _big_orders(root: Path) -> None:  # move the top-20% threshold: another customer leaves the key tier
    for record_id in ("C20240501001", "C20250217001", "C20250711001"):
        path = _record(root, record_id)
        text = path.read_text(encoding="utf-8")
        order = "  - {date: 2026-11-01, item: 全栈平台, amount: 90000000, status: paid}\n"
        text = (
            text.replace("orders:\n", "orders:\n" + order, 1) if "\norders:\n" in text else text + "orders:\n" + order
        )
        path.write_text(text, encoding="utf-8")


def _delete(root: Path) -> None:
    _record(root, "C20250303001").unlink()


def _team_name(root: Path) -> None:
    team = root / "records" / "team.yaml"
    team.write_text(team.read_text(encoding="utf-8").replace("name: 李伟", "name: 李伟伟"), encoding="utf-8")


def _same_bytes_again(root: Path) -> None:  # an editor saving without a change: a new mtime, the same bytes
    path = _record(root)
    path.write_bytes(path.read_bytes())


def _lose_needs(root: Path) -> None:  # a gap in the data-quality report appears for this customer alone
    path = _record(root)
    path.write_text(
        path.read_text(encoding="utf-8").replace("needs: 需要服务器运维解决方案\n", "", 1), encoding="utf-8"
    )


def _same_name(root: Path) -> None:  # a suspected duplicate appears: the other customer did not change
    path = _record(root)
    other = _record(root, "C20250217001").read_text(encoding="utf-8").split("\nname: ", 1)[1].split("\n", 1)[0]
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: A科技有限公司", f"name: {other}", 1), encoding="utf-8"
    )


def _new_branch(root: Path) -> None:  # another customer names this one its head office: this page lists it
    path = _record(root, "C20250217001")
    path.write_text(path.read_text(encoding="utf-8") + f"parent: {ID}\nreferred_by: {ID}\n", encoding="utf-8")


def _related_renamed(root: Path) -> None:  # a customer this one names is renamed: this page shows the new name
    path = _record(root, "C20240501002")
    text = path.read_text(encoding="utf-8")
    name = text.split("\nname: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(f"name: {name}", f"name: {name}（新）", 1), encoding="utf-8")


def _idle_called(root: Path) -> None:  # an idle customer is called: the idle lists of home and owner pages shrink
    _log_call(root, "C20240219001")


def _idle_renamed(root: Path) -> None:  # an idle customer stays idle under a new name: the follow-up report shows it
    path = _record(root, "C20240219001")
    text = path.read_text(encoding="utf-8")
    name = text.split("\nname: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(f"name: {name}", f"name: {name}（更名）", 1), encoding="utf-8")


def _masked_duplicate(root: Path) -> None:  # an e-mail fixed to another customer's: masked, both read z***@example.com
    path = _record(root)
    path.write_text(
        path.read_text(encoding="utf-8").replace("email: zhang@example.com", "email: zhouqihang@example.com", 1),
        encoding="utf-8",
    )


EDITS = [
    _log_call,
    _masked_duplicate,
    _idle_called,
    _idle_renamed,
    _new_owner,
    _big_orders,
    _delete,
    _team_name,
    _same_bytes_again,
    _lose_needs,
    _same_name,
    _new_branch,
    _related_renamed,
]


@pytest.mark.parametrize("edit", EDITS)
def test_a_rebuild_after_an_edit_is_exactly_a_cold_build(tmp_path, edit):
    root = make_site_repo(tmp_path)
    settings = root / "schema" / "settings.yaml"  # the top share alone makes a customer key (see _big_orders)
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("key_min_order_total: 500000", "key_min_order_total: 100000000"),
        encoding="utf-8",
    )
    memo: dict = {}
    _, first = build_for_site(root, today=TODAY, memo=memo, history=False)
    _snapshot(first)  # as the plugin does: every customer page rendered (what the next build may reuse)
    edit(root)
    _, again = build_for_site(root, today=TODAY, memo=memo, carry_before=first.carry, history=False)
    fresh: dict = {}
    _, cold = build_for_site(root, today=TODAY, history=False, memo=fresh)
    incremental, expected = _snapshot(again), _snapshot(cold)
    assert memo.keys() == fresh.keys()  # the load memo, brought up to date in place, holds what a new one does
    if edit is _big_orders:  # the case is what it says: a customer no order was added to changed tier
        assert first.carry[("views",)].customers["C20240315001"].tier.name == "key"
        assert again.carry[("views",)].customers["C20240315001"].tier.name != "key"
    assert incremental.keys() == expected.keys()
    differ = [key for key in expected if incremental[key] != expected[key]]
    assert not differ, differ[:5]


@pytest.mark.parametrize("edit", EDITS)
def test_every_customer_page_an_edit_changes_gets_a_new_key(tmp_path, edit):
    """`mkdocs serve` renders again only the pages whose key changed: a page whose content changed with
    the same key would be served stale (the keys are kept between builds: `SiteBuilder.customer_key`)."""
    root = make_site_repo(tmp_path)
    memo: dict = {}
    _, first = build_for_site(root, today=TODAY, memo=memo, history=False)
    before = {cid: (first.customer_key(cid), first.render_customer(cid).html) for cid in first.customer_ids}
    edit(root)
    _, again = build_for_site(root, today=TODAY, memo=memo, carry_before=first.carry, history=False)
    stale = [
        cid
        for cid in again.customer_ids
        if cid in before
        and again.customer_key(cid) == before[cid][0]
        and again.render_customer(cid).html != before[cid][1]
    ]
    assert not stale
    kept = [cid for cid in again.customer_ids if cid in before and again.customer_key(cid) is before[cid][0]]
    if edit in (_log_call, _lose_needs, _same_bytes_again):  # one customer's own change: the others' keys are kept
        assert len(kept) >= len(before) - 1


@pytest.mark.parametrize("commit", [False, True], ids=["saved", "committed"])
def test_a_rebuild_with_git_history_is_exactly_a_cold_build(tmp_path, commit):
    """With history: an edit saved keeps the very history (each page keyed by its entries' list object);
    committing an edit saved earlier changes no file, only that record's entries: its page alone shows it."""
    from .gitkit import ScriptedGit

    root = make_site_repo(tmp_path)
    git = ScriptedGit(root)
    git.commit("The sample records", date="2026-11-01T09:00:00+08:00")
    _related_renamed(root)
    git.commit("Rename a customer", author="Bob Builder", date="2026-11-02T09:00:00+08:00")
    memo: dict = {}
    if commit:  # the funnel counts a stage change from the day it was committed
        _log_call(root)
        path = _record(root)
        path.write_text(
            path.read_text(encoding="utf-8").replace("stage: proposal", "stage: negotiation", 1), encoding="utf-8"
        )
    _, first = build_for_site(root, today=TODAY, memo=memo)
    before = {cid: (first.customer_key(cid), first.render_customer(cid).html) for cid in first.customer_ids}
    if commit:
        git.commit("Log a call (#12)", author="Carol Chen", date="2026-11-22T18:00:00+08:00")
    else:
        _log_call(root)
    _, again = build_for_site(root, today=TODAY, memo=memo, carry_before=first.carry)
    _, cold = build_for_site(root, today=TODAY)
    incremental, expected = _snapshot(again), _snapshot(cold)
    assert incremental.keys() == expected.keys()
    assert not [key for key in expected if incremental[key] != expected[key]]
    assert (again.carry[("views",)].history is first.carry[("views",)].history) is not commit
    kept = [cid for cid in again.customer_ids if again.customer_key(cid) is before[cid][0]]
    assert sorted(set(again.customer_ids) - set(kept)) == [ID]  # the page of the customer edited alone
    assert ("Carol Chen" in again.render_customer(ID).html) is commit


def test_a_failed_rebuild_in_between_leaves_the_next_one_exactly_a_cold_build(tmp_path, monkeypatch):
    """`mkdocs serve` keeps the last good build when a rebuild fails: the one after it compares with that
    build, whatever the failed one made on the way (here: the data-quality report's per-customer parts)."""
    from plaincrm.site.pages import SiteBuilder

    root = make_site_repo(tmp_path)
    _lose_needs(root)  # build 1: this customer lacks its needs
    memo: dict = {}
    _, first = build_for_site(root, today=TODAY, memo=memo, history=False)
    path = _record(root)
    path.write_text(path.read_text(encoding="utf-8") + "needs: 需要混合云方案\n", encoding="utf-8")
    real = SiteBuilder.index_data
    monkeypatch.setattr(SiteBuilder, "index_data", lambda self: 1 / 0)  # fails after the reports are made
    with pytest.raises(ZeroDivisionError):
        build_for_site(root, today=TODAY, memo=memo, carry_before=first.carry, history=False)
    monkeypatch.setattr(SiteBuilder, "index_data", real)  # what failed is mended: build 3 follows build 1
    _, again = build_for_site(root, today=TODAY, memo=memo, carry_before=first.carry, history=False)
    _, cold = build_for_site(root, today=TODAY, history=False)
    incremental, expected = _snapshot(again), _snapshot(cold)
    assert not [key for key in expected if incremental[key] != expected[key]]


def test_a_rebuild_reuses_the_unchanged_customers_views_and_parses_one_file(tmp_path, monkeypatch):
    from plaincrm import dataset, facts, validation

    root = make_site_repo(tmp_path)
    monkeypatch.setattr(dataset, "_RACY_NS", 0)  # the copies are seconds old: trust their stat as an editor's would be
    memo: dict = {}
    _, first = build_for_site(root, today=TODAY, memo=memo, history=False)
    _log_call(root)
    parsed, derived, read = [], [], []
    real_parse, real_facts = validation.decode_record, facts.customer_facts
    monkeypatch.setattr(validation, "decode_record", lambda *a, **k: parsed.append(a[1]) or real_parse(*a, **k))
    real_digest = dataset.file_digest
    monkeypatch.setattr(dataset, "file_digest", lambda path, *a: read.append(path.name) or real_digest(path, *a))
    monkeypatch.setattr("plaincrm.views.customer_facts", lambda c, *a: derived.append(c.id) or real_facts(c, *a))
    _, again = build_for_site(root, today=TODAY, memo=memo, carry_before=first.carry, history=False)
    assert derived == [ID]
    assert read == [f"{ID}.yaml"]  # the other files' stat is as it was: not read again
    assert [p for p in parsed if p.endswith(".yaml") and "customers" in p] == [f"records/customers/{ID}.yaml"]
    views, prior = again.carry[("views",)], first.carry[("views",)]
    assert [new.id for _, new in views.changed()] == [ID]
    assert views.names() is prior.names()  # no name changed: the names every page keys by are not read again
    remade = views.memo("reports_by_name", dict)["data_quality"]  # reads every field: made again, the same
    assert remade is prior.memo("reports_by_name", dict)["data_quality"]


def test_crm_pages_into_its_previous_output_writes_only_what_changed(tmp_path):
    """A static host or rsync then uploads one customer's page and the lists it is in, not the site."""
    from plaincrm.site.export import write_pages

    root = make_site_repo(tmp_path / "repo")
    out = tmp_path / "out"
    _, site = build_for_site(root, today=TODAY, history=False)
    first = write_pages(site, out)
    assert first.changed == first.files > 100
    times = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    _, site = build_for_site(root, today=TODAY, history=False)
    assert write_pages(site, out).changed == 0
    assert all(p.stat().st_mtime_ns == t for p, t in times.items())  # untouched: rsync sends nothing
    _log_call(root)
    _, site = build_for_site(root, today=TODAY, history=False)
    again = write_pages(site, out)
    touched = {p.relative_to(out).as_posix() for p, t in times.items() if p.stat().st_mtime_ns != t}
    assert f"customers/{ID}.md" in touched and "customers/C20240501002.md" not in touched
    assert again.changed == len(touched) < first.files // 4


def test_a_file_saved_again_while_it_was_read_leaves_the_memo_as_a_new_one(tmp_path, monkeypatch):
    """The memo states each file under the digest its result is kept by: a save between the stat and the
    read must not leave an entry that a later change or deletion can no longer find."""
    from plaincrm import dataset

    root = make_site_repo(tmp_path)
    memo: dict = {}
    _, first = build_for_site(root, today=TODAY, memo=memo, history=False)
    _log_call(root)
    real = dataset.file_digest
    monkeypatch.setattr(
        dataset, "file_digest", lambda path, *a: "stale" if path.name == f"{ID}.yaml" else real(path, *a)
    )
    build_for_site(root, today=TODAY, memo=memo, carry_before=first.carry, history=False)  # read: another digest
    monkeypatch.setattr(dataset, "file_digest", real)
    _record(root).unlink()
    build_for_site(root, today=TODAY, memo=memo, history=False)
    fresh: dict = {}
    build_for_site(root, today=TODAY, memo=fresh, history=False)
    assert memo.keys() == fresh.keys()


def test_a_file_changed_in_the_last_two_seconds_is_read_again_whatever_its_stat(tmp_path, monkeypatch):
    """git's "racy" rule: a second save of the same size within one tick of the clock keeps the stat, so a
    stat taken that soon is not trusted; the next load hashes the file again."""
    from plaincrm import dataset

    root = make_site_repo(tmp_path)
    memo: dict = {}
    build_for_site(root, today=TODAY, memo=memo, history=False)  # every file was copied a moment ago
    read: list[str] = []
    real_digest = dataset.file_digest
    monkeypatch.setattr(dataset, "file_digest", lambda path, *a: read.append(path.name) or real_digest(path, *a))
    build_for_site(root, today=TODAY, memo=memo, history=False)
    assert len(read) == len(list((root / "records" / "customers").glob("*.yaml"))) > 10
