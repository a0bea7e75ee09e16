"""The validation cache answers unchanged files and never hides a change."""

from __future__ import annotations

from plaincrm.dataset import check_project

from .test_cli import crm


def test_warm_run_answers_from_cache_with_the_same_result(repo):
    repo.good("C20240501001")
    repo.good("C20240501002", **{"owner: li.wei": "owner: nobody", "source: online_ads": "source: tv"})
    cold = check_project(repo.project)
    warm = check_project(repo.project)
    assert cold.cached == 0 and warm.cached == 2
    assert warm.problems == cold.problems and len(cold.problems) == 2


def test_a_changed_file_is_checked_again(repo):
    path = repo.good()
    assert check_project(repo.project).ok
    path.write_text(path.read_text().replace("source: online_ads", "source: tv"))
    report = check_project(repo.project)
    assert report.cached == 0 and [p.field for p in report.problems] == ["source"]


def test_cross_record_rules_always_run(repo):
    repo.good("C20240501001")
    repo.good("C20240501002", **{"tags:": "referred_by: C20240501001\ntags:"})
    assert check_project(repo.project).ok
    (repo.customers / "C20240501001.yaml").unlink()
    report = check_project(repo.project)
    assert report.cached == 1 and [p.code for p in report.problems] == ["record.unknown-customer"]


def test_a_team_change_is_seen_although_records_are_cached(repo):
    repo.good()
    assert check_project(repo.project).ok
    team = repo.root / "records" / "team.yaml"
    team.write_text(team.read_text().replace("handle: li.wei", "handle: li.wei2"))
    report = check_project(repo.project)
    assert report.cached == 1 and {p.field for p in report.problems} == {"owner", "interactions[0].by[0]"}


def test_a_schema_change_invalidates_the_cache(repo):
    repo.good(**{"source: online_ads": "source: live_stream"})
    first = crm("validate", cwd=repo.root)
    assert first.returncode == 1
    assert crm("validate", cwd=repo.root).stderr.endswith("(1 from cache)\n")
    options = repo.root / "schema" / "options.yaml"
    options.write_text(
        options.read_text().replace(
            "  website: {en: Website, zh: 官网推荐}\n",
            "  website: {en: Website, zh: 官网推荐}\n  live_stream: {en: Live, zh: 直播}\n",
        )
    )
    after = crm("validate", cwd=repo.root)
    assert after.returncode == 0 and "from cache" not in after.stderr


def test_a_corrupt_cache_is_ignored(repo):
    repo.good()
    check_project(repo.project)
    for path in (repo.root / ".cache" / "plaincrm").glob("checks-*"):
        path.write_bytes(b"garbage")
    report = check_project(repo.project)
    assert report.ok and report.cached == 0
