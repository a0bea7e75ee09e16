"""Where a repository keeps its files, read without importing the team's models.

A fully cached `crm validate` needs only these few settings; reading them with a plain
YAML load keeps pydantic and the models out of that path. The defaults here are the
ones `plaincrm.modelkit.Settings` declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_CUSTOMERS_DIR = "records/customers"
DEFAULT_TEAM_FILE = "records/team.yaml"
DEFAULT_MAX_FILE_BYTES = 1_048_576
DEFAULT_MAX_ALIAS_NODES = 1_000


class SchemaConfigError(Exception):
    """The team's schema/ folder is inconsistent (not a record problem)."""


@dataclass(frozen=True)
class Layout:
    customers_dir: str = DEFAULT_CUSTOMERS_DIR
    team_file: str = DEFAULT_TEAM_FILE
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_alias_nodes: int = DEFAULT_MAX_ALIAS_NODES


def read_layout(settings_file: Path) -> Layout:
    """The layout keys of schema/settings.yaml (the models validate the whole file when loaded)."""
    try:
        raw = yaml.load(settings_file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return Layout()
    raw = raw if isinstance(raw, dict) else {}
    defaults = Layout()
    try:
        return Layout(
            str(raw.get("customers_dir", defaults.customers_dir)),
            str(raw.get("team_file", defaults.team_file)),
            int(raw.get("max_file_bytes", defaults.max_file_bytes)),
            int(raw.get("max_alias_nodes", defaults.max_alias_nodes)),
        )
    except (TypeError, ValueError):
        return defaults
