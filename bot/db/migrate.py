"""Bringing a database's schema up to date with the Alembic migrations in migrations/."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from bot.paths import migrations_dir


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, revision, command.upgrade)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, revision, command.downgrade)


def _run(engine: Engine, revision: str, action: Callable[[Config, str], None]) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)
