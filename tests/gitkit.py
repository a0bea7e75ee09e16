"""A throwaway git repository with scripted commits: authors, dates, renames, branches and merges."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


class ScriptedGit:
    def __init__(self, root: Path, *, init: bool = True):
        self.root = root
        if init:
            self.run("init", "-q", "-b", "main")
            self.run("config", "commit.gpgsign", "false")

    def copy(self, target: Path) -> ScriptedGit:
        """The repository, history and working tree, copied to `target` (the original stays as it is)."""
        shutil.copytree(self.root, target)
        return ScriptedGit(target, init=False)

    def run(self, *args: str, author: str = "Alice Admin", date: str = "2024-05-01T09:00:00+08:00") -> str:
        email = author.split()[0].lower() + "@example.com"
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": date,
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.root),
        }
        done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def commit(self, message: str, *, author: str = "Alice Admin", date: str = "2024-05-01T09:00:00+08:00") -> str:
        self.run("add", "-A")
        self.run("commit", "-q", "--allow-empty", "-m", message, author=author, date=date)
        return self.run("rev-parse", "HEAD")

    def edit(self, path: str, old: str, new: str) -> None:
        file = self.root / path
        text = file.read_text(encoding="utf-8")
        assert old in text, (old, path)
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
