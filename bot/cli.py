"""The `hipcoach` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.config import Settings
from bot.logging_setup import configure_logging
from bot.wiring import Core, StartupError, bring_schema_up_to_date, build_core, connect

NO_TOKEN = ("TELEGRAM_BOT_TOKEN is not set. Put your bot's token from @BotFather in the "
            "environment or in .env, or try the coach without Telegram: hipcoach chat")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Callable[[Settings], int] = args.handler
    if args.command == "simulate":
        command = _simulate_with(args)
    try:
        settings = Settings()
    except ValueError as exc:
        return _fail(f"Configuration error: {_first_line(exc)}")
    configure_logging(settings.log_level, [settings.token() or ""])
    try:
        return command(settings)
    except StartupError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except Exception:
        # Through the redacting logger: a library's message may quote the token.
        logging.getLogger("hipcoach").exception("hipcoach stopped on an unexpected error")
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hipcoach", description="Hip Coach: a Telegram coach for runners' hips.")
    parser.add_argument("--version", action="version", version=f"hipcoach {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the Telegram bot (long polling)").set_defaults(handler=run)
    sub.add_parser("chat", help="talk to the coach in this terminal (no token needed)"
                   ).set_defaults(handler=chat)
    sub.add_parser("worker", help="send reminders only (several may run on PostgreSQL)"
                   ).set_defaults(handler=worker)
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="TASK")
    db_sub.add_parser("upgrade", help="bring the schema up to date").set_defaults(handler=upgrade)
    content = sub.add_parser("content", help="content tasks")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="TASK")
    content_sub.add_parser("check", help="validate content/").set_defaults(handler=check)
    sim = sub.add_parser("simulate", help="run one persona through N weeks on a simulated clock")
    sim.add_argument("persona", type=Path, metavar="PERSONA.yaml")
    sim.add_argument("--weeks", type=_weeks, default=12)
    sim.add_argument("--out", type=Path, default=None, metavar="journal.json")
    sim.add_argument("--database", default=None, metavar="URL",
                     help="a database URL (default: a temporary SQLite file)")
    sim.set_defaults(handler=check)
    return parser


def _weeks(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 104:
        raise argparse.ArgumentTypeError("weeks must be between 1 and 104")
    return value


def _simulate_with(args: argparse.Namespace) -> Callable[[Settings], int]:
    def simulate(settings: Settings) -> int:
        from bot.simulate.command import SimulateArgs
        from bot.simulate.command import simulate as run_simulation

        return run_simulation(SimulateArgs(args.persona, args.weeks, args.out, args.database))
    return simulate


def run(settings: Settings) -> int:
    token = settings.token()
    if token is None:
        return _fail(NO_TOKEN)
    from bot.telegram.app import TelegramStartupError, build_application, run_polling
    from bot.telegram.reminders import ReminderRunner, reminder_bot

    core = build_core(settings)
    reminders = ReminderRunner(core.reminders, reminder_bot(token, settings.telegram_base_url),
                               settings.reminder_tick_seconds)
    app = build_application(token, settings.telegram_base_url, core.conversation, core.content,
                            lifecycle=reminders)
    try:
        run_polling(app, settings.telegram_base_url)
    except TelegramStartupError as exc:
        return _fail(str(exc))
    return 0


def worker(settings: Settings) -> int:
    token = settings.token()
    if token is None:
        return _fail(NO_TOKEN.replace(", or try the coach without Telegram: hipcoach chat", ""))
    import asyncio

    from bot.services.reminder_clock import WorkerAlreadyRunningError
    from bot.telegram.app import TelegramStartupError
    from bot.telegram.reminders import reminder_bot, run_worker

    core = build_core(settings)
    bot = reminder_bot(token, settings.telegram_base_url)
    try:
        asyncio.run(run_worker(core.reminders, bot, settings.reminder_tick_seconds,
                               settings.telegram_base_url))
    except (WorkerAlreadyRunningError, TelegramStartupError) as exc:
        return _fail(str(exc))
    return 0


def chat(settings: Settings) -> int:
    from bot.console.chat import ConsoleChat

    core: Core = build_core(settings)
    return ConsoleChat(core.conversation, sys.stdin, sys.stdout).run()


def upgrade(settings: Settings) -> int:
    from bot.db.engine import safe_url

    engine = connect(settings)
    bring_schema_up_to_date(engine)
    print(f"Schema is up to date at {safe_url(engine)}")
    return 0


def check(settings: Settings) -> int:
    from bot.content.library import ContentError
    from bot.wiring import load_content

    try:
        content, catalog = load_content()
    except ContentError as exc:
        return _fail(f"Content problem: {exc}")
    print(f"Content OK: {len(content.labels)} labels, {len(content.template_names())} templates, "
          f"{len(catalog.exercises)} exercises, {len(catalog.protocols)} protocols")
    return 0


def _fail(message: str) -> int:
    print(f"hipcoach: {message}", file=sys.stderr)
    return 2


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
