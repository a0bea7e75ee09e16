"""The lint for what must never be stored (resident ID numbers, bank card numbers) and `redact`, tested
through their functions: the spellings a number is found in, the numbers that only look alike (phones,
dates, amounts), and that whatever `redact` returns holds no number the lint would flag."""

from __future__ import annotations

import re
import string
from datetime import date

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plaincrm.privacy import find_forbidden_numbers, luhn_valid, redact, resident_id_valid

BUDGET = settings(max_examples=300, deadline=None, derandomize=True)
RESIDENT_ID = "11010519491231002X"
CARD = "6222021234567890128"  # 19 digits


def found(text: str) -> list[tuple[int, str]]:
    return [(f.offset, f.code) for f in find_forbidden_numbers(text)]


def check_char(first17: str) -> str:
    """GB 11643: the weights are 2^(17-i) mod 11, the character (12 - sum mod 11) mod 11, 10 written X."""
    remainder = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17)) % 11
    return "0123456789X"[(12 - remainder) % 11]


def with_luhn_digit(body: str) -> str:
    return next(body + d for d in string.digits if luhn_valid(body + d))


def test_the_check_digit_rules():
    assert check_char(RESIDENT_ID[:17]) == "X" and resident_id_valid(RESIDENT_ID)
    assert resident_id_valid(RESIDENT_ID.lower())
    for wrong in "0123456789":
        assert not resident_id_valid(RESIDENT_ID[:17] + wrong)
    assert luhn_valid(CARD) and luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


# --- resident ID numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("written", [
    RESIDENT_ID, RESIDENT_ID.lower(),
    "110105 19491231 002X", "110105-19491231-002X",  # 6-8-4, as the card prints it
    "110105 1949 1231 002X", "110105-1949-1231-002X", "110105 1949-1231 002x",  # 6-4-4-4, as forms and phones show it
    "１１０１０５１９４９１２３１００２Ｘ", "１１０１０５１９４９１２３１００２ｘ",  # typed with a Chinese IME in full-width mode
])
@pytest.mark.parametrize("before, after", [("", ""), ("身份证：", "。"), ("ID", " 已登记"), ("(", ")"), ("a\n", "\nb")])
def test_a_resident_id_is_found_in_every_usual_spelling(written, before, after):
    assert found(before + written + after) == [(len(before), "privacy.resident-id")]


@pytest.mark.parametrize("text", [
    "11010519491231002Y", "110105194912310021",  # a wrong check character
    "110105491231002",  # the old 15-digit form has no check digit: not told apart from any other number
    "110105 1949 12 31 002X",  # the day split off the month: no usual spelling
    "111010519491231002X", "11010519491231002X0",  # part of a longer number
    "11010518001331002X",  # month 13
])
def test_numbers_that_are_no_resident_id(text):
    assert not [code for _, code in found(text) if code == "privacy.resident-id"]


# --- bank cards ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", range(13, 20))
def test_a_luhn_valid_card_of_13_to_19_digits_is_found(length):
    number = with_luhn_digit("62" + "3" * (length - 3))
    grouped = " ".join(number[i:i + 4] for i in range(0, length, 4))
    for written in (number, grouped, grouped.replace(" ", "-"), "卡号" + number + "。"):
        assert found(written) == [(written.index(number[0]), "privacy.bank-card")]
    assert found(number[:-1] + str((int(number[-1]) + 1) % 10)) == []  # one digit off


@pytest.mark.parametrize("length", [12, 20, 21])
def test_a_number_too_short_or_long_for_a_card_is_not_one(length):
    number = with_luhn_digit("4" * (length - 1))
    assert found(number) == []


def test_a_resident_id_is_not_also_reported_as_a_card():
    number = "110105194912310011"
    assert resident_id_valid(number) and luhn_valid(number[:17])  # its first 17 digits would pass as a card
    assert found(number) == [(0, "privacy.resident-id")]
    assert found(number[:17]) == [(0, "privacy.bank-card")]


@pytest.mark.xfail(strict=True, reason="_RESIDENT_ID ends in (?![0-9]) after the X check character too, so an "
                                       "ID whose X is followed by digits is not found, and redact leaves it")
def test_an_id_ending_in_x_is_found_when_digits_follow():
    text = f"身份证{RESIDENT_ID}{CARD}"
    assert found(text) == [(3, "privacy.resident-id"), (21, "privacy.bank-card")]
    assert RESIDENT_ID not in redact(text)


def _cn_mobile_luhn_valid_with_86():
    """A valid Chinese mobile number whose digits after 86 pass the Luhn check, as one in ten do."""

    def build(prefix, middle):
        mobile = with_luhn_digit("86" + prefix + middle)[2:]
        return mobile if phonenumbers.is_valid_number(phonenumbers.parse("+86" + mobile)) else None

    return st.builds(build, st.sampled_from(["130", "135", "138", "139", "150", "158", "166", "177", "186", "199"]),
                     st.text(string.digits, min_size=7, max_size=7)).filter(bool)


@BUDGET
@given(_cn_mobile_luhn_valid_with_86(), st.sampled_from(["+86", "+ 86", "(+86", "＋86", "0086", "电话+86", "tel: 0086"]))
def test_a_mobile_after_its_country_code_is_no_card(mobile, prefix):
    assert found("86" + mobile) == [(0, "privacy.bank-card")]  # the same digits alone would be one
    assert found(prefix + mobile) == []


@pytest.mark.parametrize("text", [
    "13812345678", "138-1234-5678", "138 1234 5678", "+86 138 1234 5678", "010-8888 8888", "(0755) 8888-9999",
    "400-123-4567", "010-8888 8888 转 1234", "13812345678 / 13912345678",
    "2024-05-01", "20240501", "2024/05/01 至 2024/06/30", "2024年5月1日", "20240501-20240630",
    "金额 1234567890.50 元", "¥123,456,789,012", "1234567890123.45", "数量 999999999999 台",
    "订单 2024050100012 号",  # 13 digits failing the Luhn check
])
def test_phones_dates_and_amounts_are_not_flagged(text):
    assert found(text) == []


@pytest.mark.xfail(strict=True, reason="the grouped card pattern runs on into a following group of four (a year, "
                                       "a date), and a 20-digit run is no card: the card is missed")
@pytest.mark.parametrize("text", ["卡号 4111 1111 1111 1111 2024年办理", "4111 1111 1111 1111 2024-05-01",
                                  "2024 6222 0212 3456 7890 128"])
def test_a_grouped_card_beside_another_group_of_digits_is_found(text):
    assert [code for _, code in found(text)] == ["privacy.bank-card"]


@pytest.mark.xfail(strict=True, reason="a landline's groups, a space and a date read as one grouped card "
                                       "(3862 9401 2001-02, 14 digits) when they happen to pass the Luhn check")
def test_a_landline_followed_by_a_date_is_no_card():
    assert found("电话 010-3862 9401 2001-02-27 拜访") == []


# --- redact -------------------------------------------------------------------------------------------------


def test_redact_replaces_each_number_and_keeps_the_text_around_it():
    assert redact(f"身份证 {RESIDENT_ID} 已登记") == "身份证 [number removed] 已登记"
    assert redact("卡号：6222-0212-3456-7890-128。") == "卡号：[number removed]。"
    assert redact(f"{RESIDENT_ID}, {CARD}") == "[number removed], [number removed]"
    assert redact("１１０１０５１９４９１２３１００２Ｘ号") == "[number removed]号"
    assert redact("电话 13812345678，2024-05-01") == "电话 13812345678，2024-05-01"  # nothing to remove


@pytest.mark.xfail(strict=True, reason="redact finds a number's end by scanning on over digits, spaces, hyphens "
                                       "and X, not where the number ended: it eats what follows")
@pytest.mark.parametrize("text, redacted", [
    (f"{RESIDENT_ID} 2024-05-01 登记", "[number removed] 2024-05-01 登记"),
    ("卡号 4111111111111111 Xiaomi 账户", "卡号 [number removed] Xiaomi 账户"),
])
def test_redact_removes_the_number_only(text, redacted):
    assert redact(text) == redacted


# --- properties -----------------------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
NARROW = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


@st.composite
def resident_ids(draw) -> str:
    """A valid 18-character number, written in any usual spelling."""
    area = draw(st.from_regex(r"\A[1-9][0-9]{5}\Z"))
    born = draw(st.dates(date(1800, 1, 1), date(2099, 12, 31))).strftime("%Y%m%d")
    first17 = area + born + draw(st.from_regex(r"\A[0-9]{3}\Z"))
    number = first17 + check_char(first17)
    sep = draw(st.sampled_from(["", " ", "-"]))
    groups = draw(st.sampled_from([(6, 14), (6, 10, 14)]))  # 6-8-4 or 6-4-4-4
    written = "".join(c + (sep if i + 1 in groups else "") for i, c in enumerate(number))
    if draw(st.booleans()):
        written = written.lower()
    return written.translate(FULL_WIDTH) if draw(st.booleans()) else written


# Surrounding text rich in what the patterns look at: digits, separators, X, +, CJK and line breaks.
noise = st.text(alphabet=string.digits + " -+xX\n（）：号卡证ab" + "０１２", max_size=25)


def _no_digit_at(text: str, index: int) -> bool:
    return not text or not text[index].isdigit()


@BUDGET
@given(resident_ids(), noise, noise)
def test_a_valid_resident_id_is_found_wherever_it_is_embedded(number, before, after):
    assume(_no_digit_at(before, -1) and _no_digit_at(after, 0))
    text = before + number + after
    assert (len(before), "privacy.resident-id") in found(text)
    assert number not in redact(text)


@BUDGET
@given(st.lists(st.one_of(noise, resident_ids(), st.from_regex(r"\A6[0-9]{12,18}\Z").map(
    lambda digits: with_luhn_digit(digits[:-1]))), max_size=6))
def test_redact_leaves_no_number_the_lint_flags(pieces):
    text = "".join(pieces)
    # Left out until the xfail above is fixed: an X check character directly followed by a digit.
    assume(not re.search(r"[Xx][0-9]", text.translate(NARROW)))
    redacted = redact(text)
    assert found(redacted) == []
    if not found(text):
        assert redacted == text
