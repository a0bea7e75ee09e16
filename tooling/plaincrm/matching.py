"""When two records are the same customer: the keys compared (the id, a phone number, an e-mail
address, the company name without its legal form) and the groups of records sharing one.

The data-quality report, `crm dupes` and `crm import` all match with these, so a duplicate the
report shows is the one the import refuses to create.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable

_LEGAL_FORMS = re.compile(
    r"(股份)?有限(责任)?公司|集团|co\.?\s*,?\s*ltd\.?|company\s+limited|limited|ltd\.?|inc\.?|corp(oration)?\.?"
    r"|gmbh|llc|pte\.?|s\.?a\.?|\bab\b",
    re.IGNORECASE,
)
REASONS = {"name": "same name", "phone": "same phone", "email": "same e-mail"}


def normalised_name(name: str) -> str:
    """A company name without legal form, spacing, punctuation or width: A科技有限公司 == A 科技."""
    text = unicodedata.normalize("NFKC", name).lower()
    return re.sub(r"[\W_]+", "", _LEGAL_FORMS.sub("", text))


def name_key(name: str) -> str | None:
    normal = normalised_name(name)
    return f"name:{normal}" if normal else None


def contact_key(how: str, value: object) -> str | None:
    """A hash of a normalised phone number (its last 11 digits) or e-mail address; None for a value
    that identifies nobody (masked already, too short, not an address). Hashed, so the keys can be
    kept beside masked data."""
    if not isinstance(value, str) or "*" in value:
        return None
    normal = re.sub(r"\D", "", unicodedata.normalize("NFKC", value)) if how == "phone" else value.strip().lower()
    if how == "phone" and len(normal) >= 7:
        normal = normal[-11:]
    elif not (how == "email" and "@" in normal):
        return None
    return f"{how}:" + hashlib.blake2b(normal.encode(), digest_size=8).hexdigest()


def duplicate_groups(keys: dict[str, Iterable[str]]) -> list[tuple[str, list[str]]]:
    """(reason, ids) for every key shared by several records, from record id -> its keys."""
    groups: dict[str, list[str]] = {}
    for record_id, record_keys in keys.items():
        for key in dict.fromkeys(record_keys):
            groups.setdefault(key, []).append(record_id)
    return sorted((REASONS[key.split(":", 1)[0]], ids) for key, ids in groups.items() if len(ids) > 1)


def record_keys(dataset) -> dict[str, list[str]]:
    """Each customer's matching keys: its name's, and the hashed phones and e-mails kept with the dataset."""
    return {
        record_id: [key for key in (name_key(model.name), *dataset.contact_keys.get(record_id, ())) if key]
        for record_id, model in dataset.customers.items()
    }
