"""Schema, privacy and cross-record rules: every problem in one run, with file, line and field."""

from __future__ import annotations

from plaincrm.dataset import check_project


def problems(repo, **kwargs):
    return check_project(repo.project, use_cache=False, **kwargs).problems


def where(found):
    return [(p.file.rsplit("/", 1)[-1], p.line, p.col, p.field, p.code) for p in found]


def test_a_good_record_is_valid(repo):
    repo.good()
    report = check_project(repo.project, use_cache=False)
    assert report.ok and report.problems == [] and report.files == 1


def test_unknown_field_is_an_error_with_a_suggestion(repo):
    repo.good(**{"industry: software_it": "industy: software_it"})
    found = problems(repo)
    assert ("C20240501001.yaml", 5, 1, "industy", "schema.extra_forbidden") in where(found)
    message = next(p.message for p in found if p.field == "industy")
    assert message == "unknown field 'industy' (did you mean 'industry'?)"
    assert any(p.code == "schema.missing" and p.field == "industry" for p in found)


def test_option_values_are_listed_with_their_labels(repo):
    repo.good(**{"source: online_ads": "source: 展会"})
    (problem,) = problems(repo)
    assert (problem.line, problem.col, problem.field) == (6, 9, "source")
    assert problem.message.startswith("'展会' is not one of the source options: exhibition (展会), referral (转介绍)")


def test_impossible_and_badly_written_dates(repo):
    repo.good(**{"date: 2024-05-10": "date: 2024-02-30", "due: 2024-05-17": "due: 2024/5/17"})
    found = {p.field: p for p in problems(repo)}
    assert found["interactions[0].date"].line == 15
    assert "'2024-02-30' is not a real date" in found["interactions[0].date"].message
    assert found["interactions[0].next_step.due"].message == "dates are written YYYY-MM-DD, found '2024/5/17'"


def test_a_number_is_not_a_date(repo):
    repo.good(**{"date: 2024-05-10": "date: 20240510"})
    (problem,) = problems(repo)
    assert (problem.field, problem.message) == ("interactions[0].date", "dates are written YYYY-MM-DD, found 20240510")


def test_dates_in_a_sane_order(repo):
    repo.good(
        **{
            "due: 2024-05-17": "due: 2024-05-01",
            "key_dates:": "service_cases:\n  - {kind: complaint, opened: 2024-06-10, resolved: 2024-06-01, status: resolved, summary: 物流延迟}\nkey_dates:",
        }
    )
    found = {p.field: p for p in problems(repo)}
    assert (
        "next step due 2024-05-01 is before the interaction itself (2024-05-10)"
        in found["interactions[0].next_step"].message
    )
    case = found["service_cases[0].resolved"]
    assert case.line == 22 and "resolved on 2024-06-01, before the case was opened (2024-06-10)" in case.message


def test_resolved_case_needs_a_date(repo):
    repo.good(
        **{
            "key_dates:": "service_cases:\n  - {kind: complaint, opened: 2024-06-10, status: closed, summary: x}\nkey_dates:"
        }
    )
    (problem,) = problems(repo)
    assert problem.field == "service_cases[0].status"
    assert "needs its 'resolved' date" in problem.message


def test_numbers_where_text_is_expected_get_a_quoting_hint(repo):
    repo.good(**{'phone: "13812345678"': "phone: 13812345678"})
    (problem,) = problems(repo)
    assert problem.field == "contacts[0].phone" and problem.line == 13
    assert "write it in quotes" in problem.message


def test_unknown_kind(repo):
    repo.good(**{"kind: company": "kind: partner"})
    (problem,) = problems(repo)
    assert (problem.field, problem.line) == ("kind", 3)
    assert problem.message == "kind must be one of 'company', 'individual', found 'partner'"


def test_individual_fields_are_not_allowed_on_companies(repo):
    repo.good(**{"tags: [高意向]": "tags: [高意向]\nage_band: under_25"})
    (problem,) = problems(repo)
    assert problem.field == "age_band" and problem.code == "schema.extra_forbidden"


def test_file_stem_must_equal_id(repo):
    path = repo.good()
    path.rename(path.with_name("C20240501002.yaml"))
    (problem,) = problems(repo)
    assert (problem.field, problem.line, problem.code) == ("id", 2, "record.id-file-name")
    assert "the file must be named C20240501001.yaml" in problem.message


def test_id_pattern(repo):
    repo.good("C2024051", name="X")
    found = problems(repo)
    assert [p.field for p in found] == ["id"]
    assert "should match pattern" in found[0].message


def test_ids_are_unique_across_folders(repo):
    repo.good()
    (repo.customers / "archive").mkdir()
    (repo.customers / "archive" / "C20240501001.yaml").write_text(
        repo.customers.joinpath("C20240501001.yaml").read_text()
    )
    (problem,) = problems(repo)
    assert problem.code == "record.duplicate-id" and problem.line == 2
    assert "already used by records/customers/" in problem.message


def test_owner_and_participants_must_be_team_members(repo):
    repo.good(**{"owner: li.wei": "owner: nobody", "by: [li.wei]": "by: [li.wei, ghost]"})
    found = where(problems(repo))
    assert ("C20240501001.yaml", 9, 8, "owner", "record.unknown-member") in found
    assert ("C20240501001.yaml", 19, 18, "interactions[0].by[1]", "record.unknown-member") in found


def test_referrals_and_head_offices_must_exist_and_not_loop(repo):
    repo.good("C20240501001", **{"tags:": "referred_by: C20240501009\nparent: C20240501002\ntags:"})
    repo.good("C20240501002", **{"tags:": "parent: C20240501001\ntags:"})
    repo.good("C20240501003", **{"tags:": "referred_by: C20240501003\ntags:"})
    found = where(problems(repo))
    assert ("C20240501001.yaml", 10, 14, "referred_by", "record.unknown-customer") in found
    assert ("C20240501003.yaml", 10, 14, "referred_by", "record.self-reference") in found
    cycles = [f for f in found if f[4] == "record.parent-cycle"]
    assert {c[0] for c in cycles} == {"C20240501001.yaml", "C20240501002.yaml"}


def test_resident_id_and_bank_card_numbers_are_refused(repo):
    repo.good(
        **{
            "needs: 需要服务器运维解决方案": "needs: 身份证 11010519491231002X 已登记\nnotes: 卡号 6222 0212 3456 7890 128",
        }
    )
    repo.write(
        "C20240501002.yaml",
        repo.customers.joinpath("C20240501001.yaml")
        .read_text()
        .replace("C20240501001", "C20240501002")
        .replace("# yaml", "# card 4111111111111111\n# yaml"),
    )
    found = where(problems(repo))
    assert ("C20240501001.yaml", 11, 12, "needs", "privacy.resident-id") in found
    assert ("C20240501001.yaml", 12, 11, "notes", "privacy.bank-card") in found
    assert ("C20240501002.yaml", 1, 8, "", "privacy.bank-card") in found


def test_numbers_that_only_look_sensitive_pass(repo):
    # 18 digits with a wrong check digit, 16 digits failing Luhn, phone numbers and masked phones
    repo.good(
        **{"needs: 需要服务器运维解决方案": "needs: 110105194912310021 / 6222021234567891 / 13812345678 / 138****5678"}
    )
    assert problems(repo) == []


def test_all_problems_of_all_files_in_one_run(repo):
    repo.good("C20240501001", **{"owner: li.wei": "owner: nobody"})
    repo.good("C20240501002", **{"source: online_ads": "source: tv", "date: 2024-05-10": "date: 2024-05-32"})
    repo.write("C20240501003.yaml", "id: C20240501003\nid: again\n")
    files = {(p.file.rsplit("/", 1)[-1], p.field) for p in problems(repo)}
    assert files == {
        ("C20240501001.yaml", "owner"),
        ("C20240501002.yaml", "source"),
        ("C20240501002.yaml", "interactions[0].date"),
        ("C20240501003.yaml", "id"),
    }


def test_team_file_problems(repo):
    team = repo.root / "records" / "team.yaml"
    original = team.read_text()
    team.write_text(original + "  - {handle: x, name: y, role: boss}\n")
    (problem,) = problems(repo)
    assert (problem.field, problem.line) == ("members[6].role", 11)
    team.write_text(original + "  - {handle: li.wei, name: 重复, role: sales}\n")
    (problem,) = problems(repo)
    assert problem.field == "members" and "handle 'li.wei' is used twice" in problem.message


def test_parallel_and_serial_agree(repo):
    for i in range(1, 241):
        repo.good(f"C20240501{i:03d}", name=f"客户{i}", **({"owner: li.wei": "owner: nobody"} if i % 7 == 0 else {}))
    serial = check_project(repo.project, jobs=1, use_cache=False).problems
    parallel = check_project(repo.project, jobs=2, use_cache=False).problems
    assert serial == parallel and len(serial) == 34


def test_full_width_digits_do_not_hide_an_id_number(repo):
    repo.good(**{"needs: 需要服务器运维解决方案": "needs: 证件号１１０１０５１９４９１２３１００２Ｘ"})
    repo.good("C20240501002", **{"needs: 需要服务器运维解决方案": "needs: 证件号１１０１０５１９４９１２３１００２X"})
    found = where(problems(repo))
    assert found == [
        ("C20240501001.yaml", 11, 11, "needs", "privacy.resident-id"),
        ("C20240501002.yaml", 11, 11, "needs", "privacy.resident-id"),
    ]
