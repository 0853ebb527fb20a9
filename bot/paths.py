"""Where the project's data folders (content/, migrations/) live.

In the repository they are top-level folders; a built wheel carries copies inside the package
as ``bot/_data/`` (see setup.py), so an installed ``hipcoach`` works from any directory.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

SHIPPED = "_data"


def data_dir(name: str) -> Path:
    """HIPCOACH_HOME/<name> if set, else the copy shipped in the wheel, else the checkout's."""
    configured = os.environ.get("HIPCOACH_HOME")
    if configured:
        return Path(configured) / name
    shipped = files("bot").joinpath(SHIPPED, name)
    # Jinja2 and Alembic need a real folder; pip always unpacks a wheel onto the disk.
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / name


def content_dir() -> Path:
    return data_dir("content")


def migrations_dir() -> Path:
    return data_dir("migrations")
