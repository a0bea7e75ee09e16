"""When two records are the same customer: the keys compared (the id, a phone number, an e-mail
address, the company name without its legal form) and the groups of records sharing one.

The data-quality report, `crm dupes` and `crm import` all match with these, so a duplicate the
report shows is the one the import refuses to create.

Company names. NFKC (full-width letters half-width) and case-folded; then legal forms are
removed from the END of the name only, and only as whole forms, until none is left:

- Chinese forms end the name (with or without a space before them): 股份有限公司, 有限责任公司,
  有限公司, 股份公司, 集团 and 公司 (traditional 有限責任公司, 集團 too), so A科技有限公司 ==
  A 科技 == A科技 == A科技集团有限公司, while A有限公司B keeps its 有限公司.
  公司 alone is stripped too, on purpose: it is an organisation form itself (state-owned
  enterprises were named plainly "XX公司", e.g. 中国石油天然气集团公司), and people write
  "A科技公司" for "A科技有限公司". What is left must still be equal in full, so a branch,
  北京分公司, becomes 北京分, never 北京.
- Latin-script forms (Ltd, Co., Ltd, Inc, Corp, GmbH, LLC, S.A., AB, Pte Ltd, Limited...) are
  whole trailing words, as cleanco's `basename` finds them (its own terms and code): "Turn Ltd"
  is "turn", "Saturn Co., Ltd" is "saturn" (cleanco leaves "Saturn Co." after one pass, hence
  the repetition).

A name that is nothing but legal forms ("Sa Corp", "Company Limited", 有限公司) keeps its full
text, so it is never keyed to nothing. Spacing and punctuation go last: A 科技 == A科技.

Phone numbers are keyed by E.164 (phonenumbers), numbers written without a country code being
read in the project's region (`phone_region` in schema/settings.yaml): 010-8888 8888 ==
+86 10 8888 8888, and +1 415 555 0100 != +44 1415 555 0100. See `contact_key` for the rest.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import phonenumbers
from cleanco.clean import custom_basename, normalized, prepare_default_terms, strip_punct, strip_tail

REASONS = {"name": "same name", "phone": "same phone", "email": "same e-mail"}
DEFAULT_PHONE_REGION = "CN"  # the default of modelkit.Settings.phone_region
MIN_PHONE_DIGITS = 7  # fewer digits identify nobody (an extension, a short service number)

_CJK_FORM = re.compile(r"(?:股份有限公司|有限责任公司|有限責任公司|有限公司|股份公司|公司|集团|集團)$")
_TRAILING = re.compile(r"[\W_]+$")  # spacing and punctuation after the last letter or digit
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_DIGIT = re.compile(r"\D+")  # \d: any decimal digit, as str.isdecimal
_TERMS = prepare_default_terms()  # cleanco's legal forms, as it compares them (tokens, no accents or dots)
# cleanco removes a form only when the name's last word ends one; checking that word first spares
# the scan of all ~320 forms for the names that end in none (every Chinese name: no spaces).
_FORM_ENDINGS = frozenset(parts[-1] for _, parts in _TERMS)
NAME_CACHE_SIZE = 1 << 16  # names memoised (the import and the report key the same names again)


def _ends_in_cjk(text: str) -> bool:
    last = text[-1:]  # text is NFKC already: no compatibility character that would decompose to Latin
    return "\u2e80" <= last <= "\u9fff" or "\uac00" <= last <= "\ud7af" or "\uf900" <= last <= "\ufaff"


def _latin_form_stripped(text: str) -> str:
    if _ends_in_cjk(text):  # CJK, kana or Hangul: no form cleanco knows ends so (a Chinese name, mostly)
        return text
    words = strip_tail(text).split()
    if not words or strip_punct(normalized(words[-1])) not in _FORM_ENDINGS:
        return text
    return custom_basename(text, _TERMS)


@lru_cache(maxsize=NAME_CACHE_SIZE)
def normalised_name(name: str) -> str:
    """A company name without legal form, spacing, punctuation or width: A科技有限公司 == A 科技;
    "" when the name has no letter or digit at all."""
    text = unicodedata.normalize("NFKC", name).casefold()
    base, previous = text, None
    while base != previous:
        previous = base
        base = _TRAILING.sub("", base)
        base = _CJK_FORM.sub("", base)
        base = _latin_form_stripped(base)
    return _NOT_WORD.sub("", base) or _NOT_WORD.sub("", text)  # nothing but legal forms: the whole name


def name_key(name: object) -> str | None:
    normal = normalised_name(name) if isinstance(name, str) else ""
    return f"name:{normal}" if normal else None


def _hashed(how: str, text: str) -> str:
    return f"{how}:" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@lru_cache(maxsize=1 << 16)
def _phone_key(value: str, region: str) -> str | None:
    text = unicodedata.normalize("NFKC", value)
    if "*" in text:
        return None
    digits = _NOT_DIGIT.sub("", text)
    if not digits.isascii():  # digits of another script (NFKC made full-width ones ASCII already)
        digits = "".join(str(unicodedata.decimal(ch)) for ch in digits)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return _hashed("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return _hashed("phone", "digits:" + digits)


def _email_key(value: str) -> str | None:
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    local, at, domain = text.partition("@")
    if "*" in text or not (at and local and domain) or "@" in domain:
        return None
    return _hashed("email", text)


def contact_key(how: str, value: object, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """A hash of a normalised phone number or e-mail address; None for a value that identifies
    nobody (masked already, fewer than 7 digits, not an address). Hashed, so the keys can be kept
    beside masked data.

    A phone number is keyed by its E.164 form ("+861088888888"), read in `region` when written
    without a country code; an extension is ignored. A number phonenumbers cannot parse, or that
    is not even possible (a wrong length for its country), is keyed by its bare digits instead,
    hashed as "digits:<digits>": it matches only the same digits written otherwise, and never a
    parsed number (E.164 text begins with "+"), so a typo cannot be taken for a real number.
    E-mail addresses are NFKC, stripped and case-folded, and need one @ with text on both sides.
    """
    if not isinstance(value, str):
        return None
    if how == "phone":
        return _phone_key(value, region)
    if how == "email":
        return _email_key(value)
    return None


def duplicate_groups(keys: Mapping[str, Iterable[str]]) -> list[tuple[str, list[str]]]:
    """(reason, ids) for every key shared by several records, from record id -> its keys."""
    groups: dict[str, list[str]] = {}
    for record_id, record_keys in keys.items():
        for key in dict.fromkeys(record_keys):
            groups.setdefault(key, []).append(record_id)
    return sorted((REASONS[key.split(":", 1)[0]], ids) for key, ids in groups.items() if len(ids) > 1)


def keys_of(dataset, record_id: str) -> list[str]:
    """One customer's matching keys (`record_keys`)."""
    model = dataset.customers[record_id]
    return [key for key in (name_key(model.name), *dataset.contact_keys.get(record_id, ())) if key]


def record_keys(dataset, known: dict[str, tuple[Any, list[str]]] | None = None) -> dict[str, list[str]]:
    """Each customer's matching keys: its name's, and the hashed phones and e-mails kept with the dataset.
    `known`: id -> (model, its keys) from an earlier call, reused where the model is the same object (a file
    unchanged since the last `mkdocs serve` build), and brought up to date for the next call."""
    keys: dict[str, list[str]] = {}
    for record_id, model in dataset.customers.items():
        hit = known.get(record_id) if known is not None else None
        if hit is not None and hit[0] is model:
            keys[record_id] = hit[1]
            continue
        keys[record_id] = keys_of(dataset, record_id)
        if known is not None:
            known[record_id] = (model, keys[record_id])
    if known is not None:
        for gone in known.keys() - keys.keys():
            del known[gone]
    return keys
