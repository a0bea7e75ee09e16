"""Where a plaincrm repository is, and what its team's schema/ says.

The team's models are imported from `schema/` by path, so a repository carries its own
fields and option lists and the engine needs no configuration to find them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from .layout import Layout, read_layout
from .loading import Limits

ENGINE_DIR = Path(__file__).resolve().parent


class ProjectNotFound(Exception):
    pass


@dataclass(frozen=True, eq=False)
class Project:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> "Project":
        """The nearest folder at or above `start` (or $PLAINCRM_ROOT) holding schema/__init__.py."""
        here = Path(os.environ.get("PLAINCRM_ROOT") or start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "schema" / "__init__.py").is_file():
                return cls(folder)
        raise ProjectNotFound(f"no plaincrm repository (a folder with schema/__init__.py) at or above {here}")

    # --- the team's schema ---------------------------------------------------------

    @cached_property
    def schema(self) -> ModuleType:
        init = self.root / "schema" / "__init__.py"
        # Named by folder and content, so a changed schema is imported afresh in a long-lived
        # process (mkdocs serve) while an unchanged one is shared.
        name = f"plaincrm_schema_{hashlib.sha1(str(self.root).encode()).hexdigest()[:12]}_{self.fingerprint[:12]}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(init.parent)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    @property
    def settings(self):
        return self.schema.settings

    @property
    def options(self):
        return self.schema.options

    @cached_property
    def customer_adapter(self):
        from pydantic import TypeAdapter

        return TypeAdapter(self.schema.Customer)

    @cached_property
    def team_adapter(self):
        from pydantic import TypeAdapter

        return TypeAdapter(self.schema.Team)

    @cached_property
    def customer_models(self) -> dict[str, Any]:
        """Customer model per `kind` value."""
        from .modelkit import model_variants

        return model_variants(self.schema.Customer)

    # --- files (known without importing the schema) --------------------------------

    @cached_property
    def layout(self) -> Layout:
        return read_layout(self.root / "schema" / "settings.yaml")

    @cached_property
    def limits(self) -> Limits:
        return Limits(self.layout.max_file_bytes, self.layout.max_alias_nodes)

    @property
    def customers_dir(self) -> Path:
        return self.root / self.layout.customers_dir

    @property
    def team_file(self) -> Path:
        return self.root / self.layout.team_file

    def customer_files(self) -> list[Path]:
        """Every *.yaml below the customers folder, sorted (os.walk: pathlib's rglob is slow at 10,000)."""
        found = []
        for folder, subfolders, names in os.walk(self.customers_dir):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            found.extend(os.path.join(folder, name) for name in names if name.endswith(".yaml") and not name.startswith("."))
        return [Path(p) for p in sorted(found)]

    def customer_file(self, customer_id: str) -> Path:
        return self.customers_dir / f"{customer_id}.yaml"

    def relative(self, path: Path) -> str:
        """A path as problems show it: relative to the repository root when inside it."""
        text = os.path.abspath(path)
        if text == str(self.root):
            return ""
        if text.startswith(self._root_prefix):
            return text[len(self._root_prefix):].replace(os.sep, "/")
        return str(path)

    @cached_property
    def _root_prefix(self) -> str:
        return os.path.join(str(self.root), "")

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the engine or the schema could judge a file differently."""
        digest = hashlib.sha256()
        for folder in (ENGINE_DIR, self.root / "schema"):
            for path in sorted(folder.glob("*.py")) + sorted(folder.glob("*.yaml")):
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        digest.update(sys.version.encode() + importlib.metadata.version("pydantic").encode())
        return digest.hexdigest()[:20]
