"""Issue 18's pieces outside its own files: the new-customer form asks for the stage and the intent, and
the customer page shows what the order total counts, the quoted pipeline beside it and the dates of
cooperation (apply /tmp/w/i18/outside.patch, then `crm forms`)."""

from __future__ import annotations

from datetime import date

import pytest

from plaincrm.issue_forms import form_by_name, form_yaml, parse_body
from plaincrm.quick_entry import FormError, apply

from .sheetkit import data
from .test_pipeline import ID, ORDERS


def test_a_new_customer_from_its_form_with_a_stage_and_an_intent(repo):
    project = repo.project
    form = form_by_name("new-customer", project)
    assert "negotiation — Negotiation / 商务谈判" in form_yaml(project, form)

    def submit(**more: str):
        answers = {
            "name": "甲科技有限公司",
            "kind": "company — Company / 企业客户",
            "owner": "li.wei",
            "source": "referral — Referral / 转介绍",
            "industry": "software_it — x",
            "category": "potential — Potential / 潜在客户",
            **more,
        }
        body = "".join(f"### {f.label}\n\n{answers.get(f.id) or '_No response_'}\n\n" for f in form.fields)
        return apply(project, form, parse_body(body, form), today=date(2024, 6, 1))

    submit(stage="proposal — Proposal and quote / 方案报价", intent="high — High / 高")
    record = data(repo, "C20240601001")
    assert (record["stage"], record["intent"]) == ("proposal", "high")
    with pytest.raises(FormError, match="stage"):
        submit(name="乙科技有限公司", stage="closing")
    submit(name="丙科技有限公司")  # both optional
    assert "stage" not in data(repo, "C20240601002")


def test_the_customer_page_shows_the_counted_total_the_quotes_and_the_cooperation(repo):
    from plaincrm.site.build import build_for_site

    repo.good(**{"key_dates:\n  - {kind: first_contact, date: 2024-05-01}\n": ORDERS})
    for lang, words in (
        ("en", ("Order total (signed, paid and delivered orders)", "Quoted, not yet signed", "First cooperation")),
        ("zh", ("订单合计（已签约、已付款、已交付）", "已报价未签约", "首次合作时间")),
    ):
        html = build_for_site(repo.root, today=date(2025, 3, 1), lang=lang, history=False)[1].render_customer(ID).html
        total, quoted, first = words
        assert f"<tr><th>{total}</th><td>44,000.00</td></tr>" in html
        assert f"<tr><th>{quoted}</th><td>35,000.00</td></tr>" in html
        assert f"<tr><th>{first}</th><td>2024-04-20</td></tr>" in html and "<td>2024-09-01</td></tr>" in html
    html = build_for_site(repo.root, today=date(2024, 4, 1), history=False)[1].render_customer(ID).html
    assert "First cooperation" not in html and "<tr><th>Quoted, not yet signed</th><td>5,000.00</td></tr>" in html
