"""`crm validate --lang zh`: every problem said in Chinese, where it was said in English (same FILE:LINE:COL
and field path); the words from one table of templates (`plaincrm.messages`), worded when shown."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.cli import main
from plaincrm.messages import MESSAGES, said
from plaincrm.privacy import resident_id_valid
from plaincrm.problems import Problem

CJK = re.compile(r"[\u4e00-\u9fff]")


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages():
    assert MESSAGES
    for key, (en, zh) in MESSAGES.items():
        assert en and not CJK.search(en), key
        assert CJK.search(zh), key  # said in Chinese, not a copy of the English
        for template in (en, zh):  # a template formats with the fields it names, nothing else needed
            template.format_map({name: "x" for name in _names(template)})


def _sample(repo) -> None:
    """One file per kind of problem the issue names, each the only problem in its file."""
    repo.good("C20240501001", **{"industry: software_it": "industy: software_it\nindustry: software_it"})
    repo.good("C20240501002", **{"source: online_ads": "source: 展会"})
    repo.good("C20240501003", **{"date: 2024-05-10": "date: 2024/5/10"})
    repo.good("C20240501004", **{"owner: li.wei": "owner: ghost"})
    repo.good("C20240501005", **{"needs: 需要服务器运维解决方案": "needs: 身份证 11010519491231002X 已登记"})
    repo.good("C20240501006", **{"name: A科技有限公司": "name: A科技有限公司\nname: B科技"})
    repo.good("C20240501007", **{"date: 2024-05-10": "date: 2024-02-30"})


def _lines(capsys) -> list[tuple[str, str]]:
    """(FILE:LINE:COL: FIELD, message) for each problem printed."""
    out = capsys.readouterr().out.strip().splitlines()
    return [re.fullmatch(r"(.+?:\d+:\d+: [^ :]+): (.*)", line).groups() for line in out]  # type: ignore[union-attr]


def _latin_left(message: str) -> list[str]:
    """Latin words in a Chinese message once quoted values, the field names and option values a reader
    writes (in full-width brackets, beside their labels), file paths and proper nouns are taken out."""
    message = re.sub(r"'[^']*'", "", message)
    message = re.sub(r"（[a-z_.]+）", "", message)
    message = re.sub(r"U\+[0-9A-F]{4}|YYYY-MM-DD|[\w./-]*\.yaml", "", message)
    return [
        w for w in re.findall(r"[A-Za-z][A-Za-z-]+", message) if w not in {"YAML", "UTF-8", "ID", "Luhn", "plaincrm"}
    ]


def test_validate_in_chinese_says_every_problem_where_english_does(repo, capsys):
    _sample(repo)
    root = ["--root", str(repo.root)]
    assert main([*root, "validate", "--no-cache"]) == 1
    english = _lines(capsys)
    assert main([*root, "validate", "--no-cache", "--lang", "zh"]) == 1
    chinese = _lines(capsys)
    assert [w for w, _ in chinese] == [w for w, _ in english] and len(chinese) == 7
    said_zh = dict(chinese)
    for where, message in chinese:
        assert CJK.search(message) and not _latin_left(message), (where, message)
    by_file = {where.split(":", 1)[0].rsplit("/", 1)[-1]: message for where, message in said_zh.items()}
    assert by_file["C20240501001.yaml"] == "未知字段 'industy'（是不是想写 'industry'，即「所属行业」？）"
    assert by_file["C20240501002.yaml"].startswith(
        "'展会' 不是「客户来源」的可选值；可选：展会（exhibition）、转介绍（referral）"
    )
    assert by_file["C20240501003.yaml"] == "日期要写成 YYYY-MM-DD，这里是 '2024/5/10'"
    assert by_file["C20240501004.yaml"] == "'ghost' 不是团队成员（records/team.yaml）"
    assert by_file["C20240501005.yaml"].startswith("看起来是居民身份证号码")
    assert by_file["C20240501006.yaml"] == "重复的键 'name'：这个字段写了两次"
    assert by_file["C20240501007.yaml"] == "'2024-02-30' 不是真实存在的日期"


def test_the_language_comes_from_plaincrm_lang_and_the_cache_serves_both(repo, capsys, monkeypatch):
    _sample(repo)
    root = ["--root", str(repo.root)]
    assert main([*root, "validate"]) == 1  # English, and the cache filled
    english = _lines(capsys)
    monkeypatch.setenv("PLAINCRM_LANG", "zh")
    assert main([*root, "validate"]) == 1  # answered from the cache, in Chinese
    chinese = _lines(capsys)
    assert [w for w, _ in chinese] == [w for w, _ in english]
    assert all(CJK.search(m) for _, m in chinese) and not any(CJK.search(m) and "不是" in m for _, m in english)
    assert main([*root, "validate", "--lang", "en"]) == 1  # the option wins over the environment
    assert _lines(capsys) == english


def test_github_annotations_and_json_in_chinese(repo, capsys):
    repo.good(**{"owner: li.wei": "owner: ghost"})
    root = ["--root", str(repo.root)]
    assert main([*root, "validate", "--format", "github", "--lang", "zh"]) == 1
    assert capsys.readouterr().out.strip() == (
        "::error file=records/customers/C20240501001.yaml,line=9,col=8,title=owner::"
        "'ghost' 不是团队成员（records/team.yaml）"
    )
    assert main([*root, "validate", "--format", "json", "--lang", "zh"]) == 1
    assert '"message": "\'ghost\' 不是团队成员（records/team.yaml）"' in capsys.readouterr().out


def test_a_missing_field_is_named_by_its_label(repo, capsys):
    repo.good(**{"industry: software_it\n": ""})
    assert main(["--root", str(repo.root), "validate", "--lang", "zh"]) == 1
    ((where, message),) = _lines(capsys)
    assert where.endswith(":2:1: industry") and message == "缺少必填字段「所属行业」（industry）"


def _resident_ids():
    """Valid resident ID numbers: 17 digits and the check digit that makes them valid."""

    def complete(body: str) -> str:
        return next(body + c for c in "0123456789X" if resident_id_valid(body + c))

    return st.from_regex(r"\A11010519[4-9][0-9](0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z").map(complete)


@settings(max_examples=60, deadline=None)
@given(number=_resident_ids(), key=st.sampled_from(["record.unknown-customer", "record.unknown-member"]))
def test_an_id_number_quoted_in_a_message_is_redacted_in_both_languages(number, key):
    problem = Problem.of("f.yaml", 1, 1, "parent", said(key, value=repr(number), team_file="t.yaml"), key)
    for lang in ("en", "zh"):
        assert number not in problem.text(lang) and number[:14] not in problem.text(lang)
    assert number not in str(problem.args)
