"""The keys that make two records one customer: legal forms as whole words, phones as E.164, e-mails case-folded."""

from __future__ import annotations

import string
import unicodedata

import phonenumbers
import pytest
from cleanco.clean import normalized, prepare_default_terms  # cleanco's comparison: case-folded, no accents
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plaincrm.cli import main
from plaincrm.matching import REASONS, contact_key, duplicate_groups, name_key, normalised_name

BUDGET = settings(max_examples=300, deadline=None, derandomize=True)


def phone(value: str, region: str = "CN") -> str | None:
    return contact_key("phone", value, region)


# --- company names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "one, other",
    [
        ("Turn Ltd", "Saturn Co., Ltd"),  # the issue: "ltd" was cut from inside words, "turn" matched "saturn"
        ("Vi Corp", "Visa Inc"),
        ("Sa Corp", "Saturn Co., Ltd"),
        ("Acme Tools", "Acme Co., Ltd."),
        ("北京分公司", "北京"),  # a branch is not its head office
        ("A有限公司B", "AB"),  # a legal form only counts at the end
    ],
)
def test_names_that_only_share_letters_are_different(one, other):
    assert name_key(one) != name_key(other)


@pytest.mark.parametrize(
    "one, other",
    [
        ("Hoffmann GmbH", "Hoffmann"),
        ("Saturn Co., Ltd", "SATURN"),
        ("Saturn Co., Ltd.", "Saturn Co"),
        ("Meridian Logistics Pte. Ltd.", "meridian logistics"),
        ("Visa Inc.", "Visa"),
        ("Nordic AB", "Nordic"),
        ("Andes S.A.", "ANDES"),
        ("Harbor Foods Company Limited", "Harbor Foods"),
        ("A科技有限公司", "A 科技"),
        ("A科技有限公司", "A科技"),
        ("Ａ科技有限责任公司", "a 科技"),  # full-width letters, the other long form
        ("A科技股份有限公司", "A科技"),
        ("A科技集团有限公司", "A科技集团"),
        ("A科技公司", "A科技有限公司"),
        ("A 科技 Co., Ltd.", "A科技有限公司"),
        ("恒达貿易有限公司", "恒达貿易"),
    ],
)
def test_names_differing_in_legal_form_spacing_or_width_are_one(one, other):
    assert name_key(one) == name_key(other) is not None


@pytest.mark.parametrize(
    "name, key",
    [
        ("Sa Corp", "sacorp"),  # every word a legal form: the whole name, never nothing
        ("Company Limited", "companylimited"),
        ("Ltd", "ltd"),
        ("有限公司", "有限公司"),
        ("Saturn Co., Ltd", "saturn"),  # cleanco leaves "Saturn Co." after one pass
    ],
)
def test_a_name_is_never_keyed_to_nothing(name, key):
    assert normalised_name(name) == key


def test_a_name_without_letters_or_digits_has_no_key():
    assert name_key("") is None and name_key(" -・") is None and name_key(None) is None


# --- phones and e-mails --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numbers",
    [
        ["010-8888 8888", "+86 10 8888 8888", "(010) 8888 8888", "0086 10 8888 8888", "+86 (0)10 8888 8888"],
        ["13812345678", "+86 138 1234 5678", "138-1234-5678", "+8613812345678", "１３８１２３４５６７８"],
        ["+1 415 555 0100", "001 415 555 0100", "+1 (415) 555-0100"],
        ["1395678", "139-5678"],  # a short local number, as in the field guides' rows
        ["+44 1415 555 0100", "+44-1415-555-0100"],  # not a possible number: the same digits still match
    ],
)
def test_one_number_written_many_ways_is_one_key(numbers):
    keys = {phone(number) for number in numbers}
    assert len(keys) == 1 and None not in keys


@pytest.mark.parametrize(
    "one, other",
    [
        ("+1 415 555 0100", "+44 1415 555 0100"),  # the issue: the same last 11 digits
        ("+86 10 8888 8888", "+852 8888 8888"),
        ("13812345678", "13812345679"),
        ("020 7946 0000", "+44 20 7946 0000"),  # read in CN, the first is Guangzhou's
    ],
)
def test_different_numbers_are_different_keys(one, other):
    assert phone(one) != phone(other)


def test_the_region_reads_numbers_without_a_country_code():
    assert phone("020 7946 0000", "GB") == phone("+44 20 7946 0000") == phone("+44 20 7946 0000", "GB")
    assert phone("(415) 555-0100", "US") == phone("+1 415 555 0100")
    assert contact_key("phone", "010-8888 8888") == phone("010-8888 8888", "CN")  # CN is the default


@pytest.mark.parametrize("value", ["138****5678", "139＊＊＊＊0000", "12345", "", "call me", None, 13812345678])
def test_values_that_identify_nobody_have_no_key(value):
    assert phone(value) is None


def test_emails_are_case_folded_and_need_an_address():
    assert contact_key("email", " Zhang@Example.COM ") == contact_key("email", "zhang@example.com") is not None
    assert contact_key("email", "ＺＨＡＮＧ@example.com") == contact_key("email", "zhang@example.com")
    assert contact_key("email", "li@example.com") != contact_key("email", "zhang@example.com")
    for value in ("zhang", "@example.com", "zhang@", "a@b@c", "z***@example.com", None):
        assert contact_key("email", value) is None
    assert contact_key("fax", "13812345678") is None


# --- properties -------------------------------------------------------------------------------------------

LETTERS = (
    string.ascii_letters
    + "äöüßéñçøåÄÖÜÉ"
    + "абвгдежзиклмнопрстуф"
    + "华创科技恒达贸易北京上海深圳天成云帆星河金桥瑞丰智联远航宏图嘉禾"
)
TERM_WORDS = sorted({part for _, parts in prepare_default_terms() for part in parts if part.isalpha()})
# Words that begin a longer legal form: "D SM" + "Pte Ltd" ends in the form "SM Pte Ltd", so is "D".
LEADING_WORDS = {part for _, parts in prepare_default_terms() for part in parts[:-1]}
FORMS = [
    "Ltd",
    "Ltd.",
    "Co., Ltd",
    "Co., Ltd.",
    "Co. Ltd",
    "Inc",
    "Inc.",
    "Corp",
    "Corp.",
    "Corporation",
    "GmbH",
    "LLC",
    "L.L.C.",
    "S.A.",
    "SA",
    "AB",
    "AG",
    "PLC",
    "Pte Ltd",
    "Pte. Ltd.",
    "Limited",
    "Company Limited",
    "Company",
    "有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团",
    "公司",
]
CJK_FORM_CHARS = set("".join(f for f in FORMS if not f.isascii()))

word = st.text(alphabet=LETTERS, min_size=1, max_size=8)
# The first word is a real name's (not a legal form), the others may be anything, legal forms included.
first_word = word.filter(lambda w: normalized(w) not in TERM_WORDS and not (set(w) & CJK_FORM_CHARS))
names = st.builds(
    lambda first, rest: " ".join([first, *rest]),
    first_word,
    st.lists(st.one_of(word, st.sampled_from(TERM_WORDS)), max_size=3),
)


@BUDGET
@given(names, st.sampled_from(FORMS))
def test_a_legal_form_after_a_name_changes_nothing(name, form):
    assume(normalized(name.split()[-1]) not in LEADING_WORDS)
    assert name_key(f"{name} {form}") == name_key(name) is not None


@BUDGET
@given(st.text())
def test_a_name_is_keyed_to_nothing_only_without_letters_or_digits(text):
    key = name_key(text)  # never raises
    has_word = any(ch.isalnum() for ch in unicodedata.normalize("NFKC", text).casefold())
    assert (key is not None) == has_word


SEPARATORS = st.sampled_from([" ", "-", "  ", " - ", ".", "/", "(", ")", "（", "）", "　"])


@BUDGET
@given(st.text(alphabet=string.digits, min_size=7, max_size=15), st.data())
def test_spacing_dashes_and_brackets_do_not_change_a_phone_key(digits, data):
    cuts = sorted(data.draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    pieces = [digits[i:j] for i, j in zip([0, *cuts], [*cuts, len(digits)])]
    written = pieces[0] + "".join(data.draw(SEPARATORS) + piece for piece in pieces[1:])
    if data.draw(st.booleans()):
        written = f"({pieces[0]}) " + " ".join(pieces[1:])
    for prefix in ("", "+", "00"):
        assert phone(prefix + written) == phone(prefix + digits) is not None


def _valid_numbers():
    """Valid numbers of any region: an example number with its last digits redrawn, kept when still valid."""
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)

    def build(region, tail):
        example = phonenumbers.example_number(region)
        if example is None:
            return None
        national = str(example.national_number)
        keep = max(len(national) - len(tail), 1)
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(national[:keep] + tail[: len(national) - keep])
        )
        return number if phonenumbers.is_valid_number(number) else None

    return st.builds(build, st.sampled_from(regions), st.text(alphabet=string.digits, min_size=1, max_size=5)).filter(
        lambda number: number is not None
    )


@BUDGET
@given(_valid_numbers(), _valid_numbers())
def test_different_valid_numbers_never_share_a_key(one, other):
    e164 = [phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) for n in (one, other)]
    assert (phone(e164[0]) == phone(e164[1])) == (e164[0] == e164[1])
    region = phonenumbers.region_code_for_number(one)
    international = phonenumbers.format_number(one, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert phone(international, region) == phone(international) == phone(e164[0]) is not None


@BUDGET
@given(st.text(), st.sampled_from(["phone", "email"]), st.sampled_from(["CN", "US", "GB", "ZZ"]))
def test_contact_keys_never_raise(text, how, region):
    key = contact_key(how, text, region)
    assert key is None or key.startswith(how + ":")


# --- groups of records sharing a key ----------------------------------------------------------------------


def test_records_sharing_a_key_form_one_group_per_key():
    name, phone_key, email = name_key("A科技有限公司"), phone("13812345678"), contact_key("email", "a@example.com")
    keys = {
        "C3": [name, phone_key],
        "C1": [name_key("A 科技"), email],
        "C2": [phone_key, phone_key, email],  # one record's own key twice is no duplicate of itself
        "C4": [name_key("B科技")],
    }
    assert duplicate_groups(keys) == [
        ("same e-mail", ["C1", "C2"]),
        ("same name", ["C3", "C1"]),  # ids in the order given: the dataset's
        ("same phone", ["C3", "C2"]),
    ]
    assert duplicate_groups({"C1": [phone_key, phone_key]}) == [] and duplicate_groups({}) == []


record_ids = st.lists(st.from_regex(r"\AC[0-9]{3}\Z"), unique=True, max_size=6)
some_keys = st.lists(st.sampled_from(["name:a", "name:b", "phone:1", "phone:2", "email:1"]), max_size=4)


@BUDGET
@given(record_ids.flatmap(lambda ids: st.fixed_dictionaries({i: some_keys for i in ids})))
def test_a_group_is_exactly_the_records_holding_a_shared_key(keys):
    groups = duplicate_groups(keys)
    expected = sorted(
        (REASONS[key.split(":")[0]], [i for i in keys if key in keys[i]])
        for key in {k for ks in keys.values() for k in ks}
        if sum(key in ks for ks in keys.values()) > 1
    )
    assert groups == expected


# --- through the report and crm dupes ----------------------------------------------------------------


def _saturn_and_turn(repo, settings_line: str = ""):
    if settings_line:
        path = repo.root / "schema" / "settings.yaml"
        path.write_text(path.read_text(encoding="utf-8") + settings_line + "\n", encoding="utf-8")
    repo.good("C20240501001", "Saturn Co., Ltd", **{'"13812345678"': '"010-8888 8888"', "zhang@": "a@"})
    repo.good("C20240501002", "Turn Ltd", **{'"13812345678"': '"+86 10 8888 8888"', "zhang@": "b@"})
    repo.good("C20240501003", "Vi Corp", **{'"13812345678"': '"+1 415 555 0100"', "zhang@": "c@"})
    repo.good("C20240501004", "Visa Inc", **{'"13812345678"': '"+44 1415 555 0100"', "zhang@": "d@"})
    repo.good("C20240501005", "Hoffmann GmbH", **{'"13812345678"': '"020 7946 0000"', "zhang@": "e@"})
    repo.good("C20240501006", "Hoffmann", **{'"13812345678"': '"+44 20 7946 0000"', "zhang@": "E@"})


def test_data_quality_and_dupes_match_whole_legal_forms_and_e164_phones(repo, capsys):
    from datetime import date

    from plaincrm.dataset import load_dataset
    from plaincrm.reports import data_quality
    from plaincrm.views import derive

    _saturn_and_turn(repo)
    for masked in (True, False):
        views = derive(load_dataset(repo.project, masked=masked), date(2024, 6, 30))
        table = {t.title: t for t in data_quality(views).tables}["duplicates"]
        assert [list(row) for row in table.rows] == [
            ["same e-mail", "C20240501005, C20240501006", "Hoffmann GmbH / Hoffmann"],
            ["same name", "C20240501005, C20240501006", "Hoffmann GmbH / Hoffmann"],
            ["same phone", "C20240501001, C20240501002", "Saturn Co., Ltd / Turn Ltd"],
        ]
    assert main(["--root", str(repo.root), "dupes"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "same e-mail: C20240501005 Hoffmann GmbH  C20240501006 Hoffmann",
        "same name: C20240501005 Hoffmann GmbH  C20240501006 Hoffmann",
        "same phone: C20240501001 Saturn Co., Ltd  C20240501002 Turn Ltd",
    ]


def test_the_project_phone_region_reads_local_numbers(repo, capsys):
    _saturn_and_turn(repo, "phone_region: GB")
    assert main(["--root", str(repo.root), "dupes"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "same phone: C20240501005 Hoffmann GmbH  C20240501006 Hoffmann" in out  # 020 7946 0000 is London's now
    assert not any("C20240501001" in line for line in out)  # and 010-8888 8888 is no longer Beijing's


def test_the_phone_region_is_two_capital_letters():
    from pydantic import ValidationError

    from plaincrm.modelkit import Settings

    assert Settings().phone_region == "CN" and Settings(phone_region="GB").phone_region == "GB"
    for bad in ("cn", "CHN", "", "C1"):
        with pytest.raises(ValidationError):
            Settings(phone_region=bad)
