"""How contact details are masked for readers: phone numbers, e-mail addresses and the fields a
team lists in `settings.mask_fields`, once, on a record's plain data before any view sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .modelkit import (
    EMAIL_PATTERN,
    Masked,
    marker_paths,
    resolve_field_paths,
    walk_paths,
)

_EMAIL = re.compile(EMAIL_PATTERN)


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits (138****5678), as the field guides do.

    A digit already masked (`*`) counts as a digit, so a pre-masked number is shown as it
    is: masking is idempotent and never shows a digit the input did not.
    """
    slots = [i for i, ch in enumerate(phone) if ch.isdigit() or ch == "*"]
    keep = set(slots[-2:] if len(slots) <= 7 else slots[:3] + slots[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(phone))


def mask_email(email: str) -> str:
    """z***@example.com: the first character of the local part and the domain.

    A value that is not an address (validation refuses it: the same pattern) is masked
    entirely, so nothing a reader sees ever holds more than a valid address would show.
    """
    if not _EMAIL.fullmatch(email):
        return "***"
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """w***: only the first character of an IM id or another masked field (settings.mask_fields)."""
    return f"{text[:1]}***" if text else text


MASKERS = {"phone": mask_phone, "email": mask_email, "text": mask_text}


class Masker:
    """Masks what readers must not see in a record's plain data: the fields marked `Masked` in
    the models (phone, e-mail) and the fields the team lists in `settings.mask_fields`.

    Working on the data before it becomes a model costs a few dictionary writes per
    customer, where copying validated models would cost a second per 10,000.
    """

    def __init__(self, models: dict[str, type], phone_region: str = "CN", fields: Iterable[str] = ()):
        """`phone_region`: the country of numbers written without a country code (settings.phone_region);
        `fields`: dotted field paths masked as text (settings.mask_fields)."""
        self.phone_region = phone_region
        listed = resolve_field_paths(models, fields, "mask_fields")
        self._paths = {
            kind: marker_paths(model, Masked) + [(path, Masked("text")) for path in listed[kind]]
            for kind, model in models.items()
        }
        self._all = sorted({p for paths in self._paths.values() for p in paths}, key=lambda p: p[0])

    def _found(self, data: dict) -> list[tuple[tuple, str, object]]:
        kind = data.get("kind")
        paths = self._paths.get(kind, self._all) if isinstance(kind, str) else self._all
        return [(where, hide.how, value) for path, hide in paths for where, value in walk_paths(data, path)]

    def contact_keys(self, data: dict) -> tuple[str, ...]:
        """Hashes of the record's normalised phone numbers (E.164, read in the project's
        `phone_region`) and e-mail addresses, taken before masking: duplicates can be found on a
        masked site without the numbers themselves."""
        from .matching import (
            contact_key,  # phonenumbers and cleanco load only when a dataset keeps its data
        )

        keys = {contact_key(how, value, self.phone_region) for _, how, value in self._found(data)}
        return tuple(sorted(key for key in keys if key))

    def mask(self, data: dict) -> dict:
        """A copy of `data` with every marked value masked (the input is left as it is)."""
        found = self._found(data)
        if not found:
            return data
        data = _copy_along(data, [w for w, _, _ in found])
        for where, how, value in found:
            if isinstance(value, str):
                _set(data, where, MASKERS[how](value))
        return data


def _copy_along(data: dict, paths: list[tuple]) -> dict:
    """Copy only the containers on the way to `paths`, sharing everything else."""
    root = dict(data)
    for where in paths:
        node: dict[Any, Any] | list[Any] = root
        for part in where[:-1]:
            child = node[part]
            child = list(child) if isinstance(child, list) else dict(child)
            node[part] = child
            node = child
    return root


def _set(data, where: tuple, value) -> None:
    for part in where[:-1]:
        data = data[part]
    data[where[-1]] = value
