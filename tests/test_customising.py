"""A team changes schema/ alone, and validation, labels and the JSON Schema follow."""

from __future__ import annotations

import json

import pytest

from plaincrm.dataset import check_project
from plaincrm.editor_schema import generate
from plaincrm.layout import SchemaConfigError
from plaincrm.show import RecordText


def customise(repo):
    customer = repo.root / "schema" / "customer.py"
    text = customer.read_text()
    anchor = '    satisfaction: Satisfaction | None = labelled("Satisfaction", "满意度评分", None)\n'
    assert anchor in text
    customer.write_text(
        text.replace(anchor, anchor + '    wechat_group: str | None = labelled("WeChat group", "微信群", None)\n', 1)
    )
    options = repo.root / "schema" / "options.yaml"
    options.write_text(
        options.read_text().replace(
            "  website: {en: Website, zh: 官网推荐}\n",
            "  website: {en: Website, zh: 官网推荐}\n  live_stream: {en: Live stream, zh: 直播带货}\n",
        )
    )


def test_a_new_field_and_option_are_accepted_labelled_and_in_the_json_schema(repo):
    customise(repo)
    repo.good(**{"source: online_ads": "source: live_stream", "tags:": "wechat_group: A科技对接群\ntags:"})
    assert check_project(repo.project, use_cache=False).problems == []

    model = repo.project.customer_adapter.validate_python(
        {
            **__import__("yaml").safe_load((repo.customers / "C20240501001.yaml").read_text(encoding="utf-8")),
            "interactions": [],
            "key_dates": [],
        }
    )
    shown = RecordText(repo.project, lang="zh").record(model)
    assert "客户来源: 直播带货" in shown and "微信群: A科技对接群" in shown

    schema = json.loads(generate(repo.project)[repo.root / "schema" / "customer.schema.json"])
    company = schema["$defs"]["Company"]["properties"]
    assert "wechat_group" in company and "live_stream" in company["source"]["enum"]


def test_typos_still_fail_after_customising(repo):
    customise(repo)
    repo.good(**{"tags:": "wechat_grup: x\ntags:"})
    (problem,) = check_project(repo.project, use_cache=False).problems
    assert problem.message == "unknown field 'wechat_grup' (did you mean 'wechat_group'?)"


def test_an_option_without_both_labels_is_refused(repo):
    options = repo.root / "schema" / "options.yaml"
    options.write_text(
        options.read_text().replace("  website: {en: Website, zh: 官网推荐}\n", "  website: {en: Website}\n")
    )
    with pytest.raises(SchemaConfigError, match="source.website: needs an 'en' and a 'zh' label"):
        _ = repo.project.schema


def test_a_different_id_template(repo):
    settings = repo.root / "schema" / "settings.yaml"
    settings.write_text(settings.read_text().replace('"C{date:%Y%m%d}{seq:03d}"', '"KH-{date:%y%m}-{seq:04d}"'))
    repo.good("KH-2405-0001")
    assert check_project(repo.project, use_cache=False).problems == []
    repo.good("C20240501001")
    assert [p.field for p in check_project(repo.project, use_cache=False).problems] == ["id"]


def test_an_id_template_without_a_sequence_is_refused(repo):
    settings = repo.root / "schema" / "settings.yaml"
    settings.write_text(settings.read_text().replace('"C{date:%Y%m%d}{seq:03d}"', '"KH-{date:%Y%m%d}"'))
    with pytest.raises(SchemaConfigError, match=r"needs exactly one \{seq"):
        _ = repo.project.schema
