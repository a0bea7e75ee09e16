"""`crm order add`, `crm case open|update|resolve`, `crm date add`, `crm contact add`, `crm step done`:
each through its command, as a person types it (and is asked in a terminal), with --dry-run and --lang."""

from __future__ import annotations

import io
import sys

import pytest

from plaincrm.loading import parse_text


def _crm(root, *args):
    """As `crm` in a shell: (exit code, stdout, stderr); an argument the parser refuses is exit 2."""
    import contextlib

    from plaincrm.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["--root", str(root), *args])
        except SystemExit as stop:
            code = stop.code
    return code, out.getvalue(), err.getvalue()


ID = "C20240501001"


@pytest.fixture
def one(repo):
    repo.good()
    return repo


def _data(repo) -> dict:
    return parse_text((repo.customers / f"{ID}.yaml").read_text(encoding="utf-8"), "").data


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_order_add_reads_amounts_as_people_write_them_and_dry_run_shows_the_diff(one):
    path = one.customers / f"{ID}.yaml"
    before = path.read_bytes()
    code, out, err = _crm(
        one.root,
        "order",
        "add",
        ID,
        "--item",
        "年度运维",
        "--amount",
        "¥12,000.50",
        "--date",
        "2024-06-01",
        "--dry-run",
        "--lang",
        "zh",
    )
    assert code == 0 and path.read_bytes() == before and "试运行：未写入任何内容" in err
    assert out.startswith(f"--- a/records/customers/{ID}.yaml\n+++ b/records/customers/{ID}.yaml\n")
    assert "+  - {date: 2024-06-01, item: 年度运维, amount: 12000.50}\n" in out
    code, out, _ = _crm(
        one.root,
        "order",
        "add",
        ID,
        "--item",
        "年度运维",
        "--amount",
        "12,000",
        "--date",
        "2024-06-01",
        "--kind",
        "renewal",
        "--status",
        "paid",
    )
    assert code == 0 and out == f"records/customers/{ID}.yaml\n"
    assert _data(one)["orders"] == [
        {"date": "2024-06-01", "item": "年度运维", "amount": 12000, "kind": "renewal", "status": "paid"}
    ]
    code, _, err = _crm(one.root, "order", "add", ID, "--item", "x", "--amount", "很多")
    assert code == 2 and "not an amount" in err
    for misplaced in ("12,000,00", "1,2", ",500", "12,0000"):  # commas not between thousands: refused, not guessed
        code, _, err = _crm(one.root, "order", "add", ID, "--item", "x", f"--amount={misplaced}")
        assert code == 2 and "commas go between thousands" in err, misplaced
    code, out, _ = _crm(one.root, "order", "add", ID, "--item", "x", "--amount", "１２，０００", "--dry-run")
    assert code == 0 and "+    amount: 12000\n" in out  # full-width digits and comma, as a Chinese keyboard types them
    code, _, err = _crm(one.root, "order", "add", ID, "--item", "x", "--amount", "1", "--status", "maybe")
    assert code == 1 and "status" in err and "nothing written" in err
    assert _crm(one.root, "validate")[0] == 0


def test_a_missing_value_is_asked_for_in_a_terminal_in_the_users_language(one, monkeypatch):
    code, _, err = _crm(one.root, "order", "add", ID, "--amount", "100")
    assert code == 2 and "--item is required" in err  # not a terminal: said, nothing asked
    prompts, answers = [], iter(["", "上门安装"])
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or next(answers))
    code, _, err = _crm(one.root, "order", "add", ID, "--amount", "100", "--lang", "zh")
    assert code == 0, err
    assert prompts == ["产品/服务: ", "产品/服务: "] and "必填" in err
    assert _data(one)["orders"][-1]["item"] == "上门安装"


def test_case_open_update_resolve_and_the_case_meant(one, monkeypatch):
    answers = iter(["complaint", "发票抬头错误"])
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    code, _, err = _crm(one.root, "case", "open", ID, "--date", "2024-06-01", "--lang", "zh")
    assert code == 0, err
    assert "complaint 投诉" in err  # the option list offered, with its labels
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    assert (
        _crm(one.root, "case", "open", ID, "--kind", "after_sales", "--summary", "设备报修", "--date", "2024-06-03")[0]
        == 0
    )
    code, _, err = _crm(one.root, "case", "resolve", ID, "--date", "2024-06-05")
    assert code == 1 and "2 open: 1) 2024-06-01 complaint 发票抬头错误; 2) 2024-06-03 after_sales 设备报修" in err
    assert _crm(one.root, "case", "update", ID, "--case", "2", "--status", "in_progress")[0] == 0
    code, _, err = _crm(
        one.root, "case", "resolve", ID, "--case", "1", "--date", "2024-06-05", "--resolution", "已重开发票"
    )
    assert code == 0, err
    cases = _data(one)["service_cases"]
    assert [c["status"] for c in cases] == ["resolved", "in_progress"] and cases[0]["resolution"] == "已重开发票"
    code, _, err = _crm(one.root, "case", "resolve", ID, "--date", "2024-05-01")  # before it was opened
    assert code == 1 and "before the case was opened" in err


def test_date_add_contact_add_and_step_done(one):
    assert (
        _crm(one.root, "date", "add", ID, "--kind", "renewal_due", "--date", "2025-05-01", "--note", "年度续约")[0] == 0
    )
    code, _, err = _crm(one.root, "date", "add", ID, "--kind", "renewal_due", "--date", "2025-05-01")
    assert code == 1 and "already has this key date" in err
    code, _, err = _crm(one.root, "date", "add", ID, "--kind", "renewal_due", "--date", "2025-02-30")
    assert code == 2 and "not a date" in err
    assert _crm(one.root, "contact", "add", ID, "--name", "王总", "--phone", "13900001111", "--decision-maker")[0] == 0
    code, _, err = _crm(one.root, "contact", "add", ID, "--name", "王总经理", "--phone", "139-0000-1111")
    assert code == 1 and "already has this contact" in err
    code, out, err = _crm(one.root, "step", "done", ID)  # the sample record's one pending step
    assert code == 0 and out == f"records/customers/{ID}.yaml\n", err
    code, _, err = _crm(one.root, "step", "done", ID)
    assert code == 1 and "has no open next step" in err
    code, _, err = _crm(one.root, "step", "done", ID, "--lang", "zh")  # the refusal in the reader's language
    assert code == 1 and f"{ID} 没有未完成的下一步计划" in err and "未写入任何内容" in err
    data = _data(one)
    assert data["key_dates"][-1] == {"kind": "renewal_due", "date": "2025-05-01", "note": "年度续约"}
    assert data["contacts"][-1] == {"name": "王总", "phone": "13900001111", "decision_maker": True}
    assert data["interactions"][0]["next_step"]["status"] == "done"
    assert _crm(one.root, "validate")[0] == 0


def test_log_set_merge_and_new_take_dry_run_too(one):
    path = one.customers / f"{ID}.yaml"
    before = path.read_bytes()
    for args in (
        ["log", ID, "--channel", "phone", "--topic", "t", "--summary", "s"],
        ["set", ID, "city=杭州"],
        ["new", "--name", "乙公司", "--owner", "li.wei"],
    ):
        code, out, err = _crm(one.root, *args, "--dry-run")
        assert code == 0 and out.startswith(("--- a/", "--- /dev/null")) and "dry run: nothing written" in err, args
    assert path.read_bytes() == before and sorted(p.name for p in one.customers.iterdir()) == [f"{ID}.yaml"]
    code, _, err = _crm(one.root, "set", ID, "cooperation=not_started")
    assert code == 0 and "already says so" in err  # nothing to change is no problem


def test_record_text_in_a_dry_run_reaches_the_terminal_escaped(one):
    code, out, _ = _crm(
        one.root, "date", "add", ID, "--kind", "other", "--date", "2024-07-01", "--note", "付款\u202e1202", "--dry-run"
    )
    assert code == 0 and "\u202e" not in out and "付款\\u202e1202" in out  # a direction override shown, not obeyed
    code, _, err = _crm(one.root, "date", "add", ID, "--kind", "other", "--date", "2024-07-01", "--note", "a\x1b[31m")
    assert (
        code == 1 and "\x1b" not in err and "nothing written" in err
    )  # a control character: refused, never echoed raw


@pytest.mark.parametrize("amount", ["1e400", "1000000000000001"])
def test_an_amount_beyond_any_order_is_refused_not_summed_into_every_report(one, amount):
    path = one.customers / f"{ID}.yaml"
    before = path.read_bytes()
    code, _, err = _crm(
        one.root, "order", "add", ID, "--item", "年度运维", "--amount", amount, "--date", "2024-06-01", "--lang", "zh"
    )
    assert code != 0 and path.read_bytes() == before
    assert "应小于或等于 1000000000000000" in err


def test_a_record_holding_an_absurd_amount_is_a_problem_at_its_line(one):
    path = one.customers / f"{ID}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "orders:\n  - {date: 2024-06-01, item: 年度运维, amount: 1.0e+300}\n",
        encoding="utf-8",
    )
    code, out, _ = _crm(one.root, "validate")
    assert code == 1 and f"{ID}.yaml:" in out and ":24:44: orders[0].amount:" in out and "less than or equal" in out


def test_order_add_takes_the_payment_method(one):
    code, _, err = _crm(
        one.root,
        "order",
        "add",
        ID,
        "--item",
        "年度运维",
        "--amount",
        "36,000",
        "--date",
        "2024-06-01",
        "--payment-method",
        "wechat_pay",
    )
    assert code == 0, err
    assert _data(one)["orders"][-1]["payment_method"] == "wechat_pay"
    code, _, err = _crm(
        one.root,
        "order",
        "add",
        ID,
        "--item",
        "年度运维",
        "--amount",
        "1",
        "--payment-method",
        "bitcoin",
        "--lang",
        "zh",
    )
    assert code != 0 and "bitcoin" in err and "支付方式" in err
