"""What a build under `mkdocs serve` keeps for the next one is keyed by the very objects it was made from.

An unchanged record file gives the same model object, and an unchanged customer the same view
(`dataset.load_dataset`'s memo, `views.derive`'s `before`); comparing those by identity is what
lets a rebuild skip 10,000 customers' worth of work without comparing their contents.
"""

from __future__ import annotations

from typing import Any


class Same:
    """Equal only to a wrapper of the very same object (models are compared by identity)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)
