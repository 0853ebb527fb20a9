"""Packaging beyond pyproject.toml: the wheel carries content/ and migrations/.

The repository keeps both as top-level folders (their source of truth); at build time they
are copied into the package as ``bot/_data/``, where ``bot.paths`` finds them through
importlib.resources, so an installed ``hipcoach`` needs no checkout and no HIPCOACH_HOME.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("content", "migrations")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        target = Path(self.build_lib) / "bot" / "_data"
        shutil.rmtree(target, ignore_errors=True)  # a file deleted since the last build goes too
        for name in DATA:
            shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
