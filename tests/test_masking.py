"""The masker's rules: what a reader sees of a phone number, an e-mail address and a `mask_fields` field."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.masking import Masker, mask_email, mask_phone


def test_a_whole_mobile_number_keeps_its_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "+86 1** **** 5678"  # the country code counts: a digit is a digit


def test_a_pre_masked_number_stays_as_it_is():
    assert mask_phone("138****5678") == "138****5678"


def test_an_email_keeps_its_first_letter_and_domain_and_a_non_address_is_hidden():
    assert mask_email("zhang@example.com") == "z***@example.com"
    assert mask_email("not an address") == "***"


def test_mask_fields_are_masked_as_text_and_the_input_is_left_alone(repo):
    models = repo.project.customer_models
    data = {"kind": "company", "contacts": [{"name": "张经理", "phone": "13812345678", "im": "wx_zhang"}]}
    masked = Masker(models, fields=["contacts.im"]).mask(data)
    assert masked["contacts"][0] == {"name": "张经理", "phone": "138****5678", "im": "w***"}
    assert data["contacts"][0]["im"] == "wx_zhang" and data["contacts"][0]["phone"] == "13812345678"


_PHONE = st.builds(
    lambda country, body, separator: country + separator.join(body[i : i + 4] for i in range(0, len(body), 4)),
    st.sampled_from(["", "+86 ", "0086", "+1 ", "("]),
    st.text("0123456789", min_size=8, max_size=15),
    st.sampled_from(["", " ", "-"]),
)


@settings(max_examples=300, deadline=None)
@given(_PHONE)
def test_no_run_of_a_phones_middle_digits_survives(phone):
    """Only the first three and the last four digits may show: any longer run of digits the output
    shares with the middle of the number would be a leak."""
    digits = re.sub(r"\D", "", phone)
    masked = mask_phone(phone)
    shown = re.sub(r"\D", "", masked)
    assert shown == digits[:3] + digits[-4:]
    assert mask_phone(masked) == masked  # masking a masked number changes nothing
