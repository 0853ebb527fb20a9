"""Where the project's data folders (content/, migrations/) live."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """HIPCOACH_HOME if set, else the source checkout this package runs from, else the cwd."""
    configured = os.environ.get("HIPCOACH_HOME")
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "content").is_dir() else Path.cwd()


def content_dir() -> Path:
    return project_root() / "content"


def migrations_dir() -> Path:
    return project_root() / "migrations"
