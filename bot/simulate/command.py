"""`hipcoach simulate PERSONA.yaml [--weeks 12] [--out journal.json] [--database URL]`."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from bot.simulate.journal import Journal
from bot.simulate.persona import PersonaError, load_persona


@dataclass(frozen=True)
class SimulateArgs:
    persona: Path
    weeks: int = 12
    out: Path | None = None
    database: str | None = None


def simulate(args: SimulateArgs) -> int:
    try:
        persona = load_persona(args.persona)
    except PersonaError as exc:
        print(f"hipcoach: persona problem: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="hipcoach-sim-") as scratch:
        url = args.database or f"sqlite:///{Path(scratch) / 'journey.db'}"
        journal = run_persona(persona, args.weeks, url)
    text = json.dumps(journal.as_json(), ensure_ascii=False, indent=1)
    if args.out is None:
        print(text)
    else:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"{persona.name}: {len(journal.days)} days written to {args.out}")
    return 0


def run_persona(persona: object, weeks: int, database_url: str) -> Journal:
    """The whole journey on a fresh schema at ``database_url``."""
    from bot.db import migrate
    from bot.db.engine import make_engine
    from bot.simulate.journey import Journey, SimClock
    from bot.simulate.persona import Persona
    from bot.simulate.world import build_world
    from bot.wiring import load_content

    assert isinstance(persona, Persona)
    content, catalog = load_content()
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        clock = SimClock(datetime.combine(persona.start, time(0, 0), UTC))
        world = build_world(engine, content, catalog, clock)
        return Journey(persona, world).run(weeks)
    finally:
        engine.dispose()
