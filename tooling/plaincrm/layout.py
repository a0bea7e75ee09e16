"""Where a repository keeps its files, read without importing the team's models.

A fully cached `crm validate` needs only these few settings; reading them with a plain
YAML load keeps pydantic and the models out of that path. The defaults here are the
ones `plaincrm.modelkit.Settings` declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .loading import read_bounded
from .problems import ProblemError

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


def read_schema_text(path: Path) -> str:
    """A YAML file of schema/ (settings, options), read as records are (`loading.read_bounded`):
    a link, a FIFO or a device is refused, and at most the default file limit is read."""
    try:
        return read_bounded(path, str(path), DEFAULT_MAX_FILE_BYTES).decode("utf-8")
    except ProblemError as error:
        raise SchemaConfigError(f"{path}: {error.problems[0].message}") from None
    except UnicodeDecodeError:
        raise SchemaConfigError(f"{path}: the file is not valid UTF-8; save it as UTF-8") from None


def read_layout(settings_file: Path) -> Layout:
    """The layout keys of schema/settings.yaml (the models validate the whole file when loaded,
    and say what is wrong with it)."""
    try:
        raw = yaml.load(read_schema_text(settings_file), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (SchemaConfigError, yaml.YAMLError):
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
