"""The migrations build the schema the models describe, and every step can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import Base

TABLES = {"users", "dialogue_states", "screening_answers", "plan_versions", "sessions",
          "exercise_outcomes", "reminder_schedules", "reminder_deliveries",
          "processed_updates", "runs"}


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config(make_engine("sqlite://")))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_stairway_upgrade_downgrade_upgrade_every_revision(database_url: str) -> None:
    engine = make_engine(database_url)
    previous = "base"
    for revision in revisions():
        migrate.upgrade(engine, revision)
        migrate.downgrade(engine, previous)
        migrate.upgrade(engine, revision)
        previous = revision
    assert set(inspect(engine).get_table_names()) >= TABLES
    # The plan's own change log replaced the table nothing wrote (0009).
    assert "plan_adjustments" not in inspect(engine).get_table_names()
    migrate.downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_match_the_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
