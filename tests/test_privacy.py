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


@pytest.mark.parametrize(
    "written",
    [
        RESIDENT_ID,
        RESIDENT_ID.lower(),
        "110105 19491231 002X",
        "110105-19491231-002X",  # 6-8-4, as the card prints it
        "110105 1949 1231 002X",
        "110105-1949-1231-002X",
        "110105 1949-1231 002x",  # 6-4-4-4, as forms and phones show it
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",  # typed with a Chinese IME in full-width mode
    ],
)
@pytest.mark.parametrize("before, after", [("", ""), ("身份证：", "。"), ("ID", " 已登记"), ("(", ")"), ("a\n", "\nb")])
def test_a_resident_id_is_found_in_every_usual_spelling(written, before, after):
    assert found(before + written + after) == [(len(before), "privacy.resident-id")]


@pytest.mark.parametrize(
    "text",
    [
        "11010519491231002Y",
        "110105194912310021",  # a wrong check character
        "110105491231002",  # the old 15-digit form has no check digit: not told apart from any other number
        "110105 1949 12 31 002X",  # the day split off the month: no usual spelling
        "111010519491231002X",
        "1101051949123100210",  # part of a longer number
        "11010518001331002X",  # month 13
    ],
)
def test_numbers_that_are_no_resident_id(text):
    assert not [code for _, code in found(text) if code == "privacy.resident-id"]


# --- bank cards ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", range(13, 20))
def test_a_luhn_valid_card_of_13_to_19_digits_is_found(length):
    number = with_luhn_digit("62" + "3" * (length - 3))
    grouped = " ".join(number[i : i + 4] for i in range(0, length, 4))
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


def test_an_id_ending_in_x_is_found_when_digits_follow():
    """An X ends the number (none has an X inside), so the digits after it cannot make it part of a longer one."""
    text = f"身份证{RESIDENT_ID}{CARD}"
    assert found(text) == [(3, "privacy.resident-id"), (21, "privacy.bank-card")]
    assert redact(text) == "身份证[number removed][number removed]"
    assert found(RESIDENT_ID + "0") == [(0, "privacy.resident-id")]


def _cn_mobile_luhn_valid_with_86():
    """A valid Chinese mobile number whose digits after 86 pass the Luhn check, as one in ten do."""

    def build(prefix, middle):
        mobile = with_luhn_digit("86" + prefix + middle)[2:]
        return mobile if phonenumbers.is_valid_number(phonenumbers.parse("+86" + mobile)) else None

    return st.builds(
        build,
        st.sampled_from(["130", "135", "138", "139", "150", "158", "166", "177", "186", "199"]),
        st.text(string.digits, min_size=7, max_size=7),
    ).filter(bool)


@BUDGET
@given(
    _cn_mobile_luhn_valid_with_86(), st.sampled_from(["+86", "+ 86", "(+86", "＋86", "0086", "电话+86", "tel: 0086"])
)
def test_a_mobile_after_its_country_code_is_no_card(mobile, prefix):
    assert found("86" + mobile) == [(0, "privacy.bank-card")]  # the same digits alone would be one
    assert found(prefix + mobile) == []


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+86 138 1234 5678",
        "010-8888 8888",
        "(0755) 8888-9999",
        "400-123-4567",
        "010-8888 8888 转 1234",
        "13812345678 / 13912345678",
        "2024-05-01",
        "20240501",
        "2024/05/01 至 2024/06/30",
        "2024年5月1日",
        "20240501-20240630",
        "金额 1234567890.50 元",
        "¥123,456,789,012",
        "1234567890123.45",
        "数量 999999999999 台",
        "订单 2024050100012 号",  # 13 digits failing the Luhn check
    ],
)
def test_phones_dates_and_amounts_are_not_flagged(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text", ["卡号 4111 1111 1111 1111 2024年办理", "4111 1111 1111 1111 2024-05-01", "2024 6222 0212 3456 7890 128"]
)
def test_a_grouped_card_beside_another_group_of_digits_is_found(text):
    assert [code for _, code in found(text)] == ["privacy.bank-card"]


def test_a_landline_followed_by_a_date_is_no_card():
    assert found("电话 010-3862 9401 2001-02-27 拜访") == []


@pytest.mark.parametrize("card, after", [("4000 1234 5678 9010 07", "-05"), ("0755 3862 9401 2000", "-02-27")])
def test_a_group_that_runs_on_after_a_hyphen_ends_no_card(card, after):
    """Digits after a hyphen continue the last group (a date, an extension), so the groups before it are no card."""
    assert found(card) == [(0, "privacy.bank-card")]
    assert found(card + after) == []


def test_a_grouped_card_has_one_separator_throughout():
    assert found("4111 1111 1111 1111") == [(0, "privacy.bank-card")]
    assert found("4111 1111-1111 1111") == []


# --- redact -------------------------------------------------------------------------------------------------


def test_redact_replaces_each_number_and_keeps_the_text_around_it():
    assert redact(f"身份证 {RESIDENT_ID} 已登记") == "身份证 [number removed] 已登记"
    assert redact("卡号：6222-0212-3456-7890-128。") == "卡号：[number removed]。"
    assert redact(f"{RESIDENT_ID}, {CARD}") == "[number removed], [number removed]"
    assert redact("１１０１０５１９４９１２３１００２Ｘ号") == "[number removed]号"
    assert redact("电话 13812345678，2024-05-01") == "电话 13812345678，2024-05-01"  # nothing to remove


@pytest.mark.parametrize(
    "text, redacted",
    [
        (f"{RESIDENT_ID} 2024-05-01 登记", "[number removed] 2024-05-01 登记"),
        ("卡号 4111111111111111 Xiaomi 账户", "卡号 [number removed] Xiaomi 账户"),
        ("卡号 4111 1111 1111 1111 2024年办理", "卡号 [number removed] 2024年办理"),
    ],
)
def test_redact_removes_the_number_only(text, redacted):
    assert redact(text) == redacted


# --- properties -----------------------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


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
    assume(_no_digit_at(before, -1) and (number[-1] in "XxＸｘ" or _no_digit_at(after, 0)))  # an X ends the number
    text = before + number + after
    assert (len(before), "privacy.resident-id") in found(text)
    assert number not in redact(text)


@BUDGET
@given(
    st.lists(
        st.one_of(
            noise, resident_ids(), st.from_regex(r"\A6[0-9]{12,18}\Z").map(lambda digits: with_luhn_digit(digits[:-1]))
        ),
        max_size=6,
    )
)
def test_redact_leaves_no_number_the_lint_flags(pieces):
    text = "".join(pieces)
    redacted = redact(text)
    assert found(redacted) == []
    if not found(text):
        assert redacted == text


def _grouped(number: str, sep: str) -> str:
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


# What sits beside a card in a note: digit groups of any length (a year, an amount, an order number) and dates.
_dates = st.builds(
    lambda day, fmt: day.strftime(fmt),
    st.dates(date(1990, 1, 1), date(2039, 12, 31)),
    st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y", "%Y-%m"]),
)
_digit_groups = st.one_of(_dates, st.text(string.digits, min_size=1, max_size=12))
_between = st.sampled_from([" ", "，", "年", "号 ", "\n", " / "])


@BUDGET
@given(
    st.integers(13, 19).flatmap(lambda n: st.from_regex(rf"\A[3-6][0-9]{{{n - 2}}}\Z")),
    st.sampled_from([" ", "-"]),
    st.lists(_digit_groups, max_size=3),
    st.lists(_digit_groups, max_size=3),
    _between,
    _between,
)
def test_a_grouped_card_beside_other_digit_groups_and_dates_is_found(body, sep, before, after, left, right):
    """A card in groups of four is found wherever other numbers sit after it, and before it when they cannot
    be read as one of its groups (a group of four before it with the same separator could be the card's first)."""
    card = _grouped(with_luhn_digit(body), sep)
    assume(not any(re.fullmatch(r"[0-9]{4}", group) for group in before[-1:]) or left != sep)
    prefix = "；".join(before) + (left if before else "")
    text = prefix + card + (right + " ".join(after) if after else "")
    assert (len(prefix), "privacy.bank-card") in found(text)
    assert card not in redact(text)


@BUDGET
@given(
    st.from_regex(r"\A[2-8][0-9]{3}\Z"),
    st.from_regex(r"\A[0-9]{4}\Z"),
    st.dates(date(1950, 1, 1), date(2049, 12, 31)),
    st.sampled_from(["", "电话 ", "座机：", "tel "]),
    st.sampled_from(["", " 拜访", "，约见"]),
)
def test_a_landline_followed_by_a_date_is_never_flagged(exchange, line, day, before, after):
    """010-XXXX XXXX YYYY-MM-DD: the landline's two groups, a space and the date's year read like three groups
    of a card, and one in ten such 16-digit runs passes the Luhn check."""
    assert found(f"{before}010-{exchange} {line} {day:%Y-%m-%d}{after}") == []
