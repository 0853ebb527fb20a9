"""The `hipcoach` command line.

Only argparse is imported up front, so `hipcoach --help` and a mistyped command answer at
once; each command imports what it uses (SQLAlchemy, PTB, the app) after the arguments parse.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.content.library import ContentLibrary
    from bot.services.conversation import ConversationService
    from bot.telegram.app import BotApp

_LISTEN = re.compile(r"([^:]*:)?\d{1,5}")
NO_TOKEN = ("TELEGRAM_BOT_TOKEN is not set. Put your bot's token from @BotFather in the "
            "environment or in .env, or try the coach without Telegram: hipcoach chat")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Callable[[Settings], int] = args.handler
    if args.command == "figure":
        command = functools.partial(figure, args=args)
    if args.command == "simulate":
        command = _simulate_with(args)
    if args.command == "listen":
        command = functools.partial(listen, args=args)
    if args.command == "import-runs":
        command = functools.partial(import_runs, args=args)
    if args.command == "web":
        command = functools.partial(web_app, args=args)
    import logging

    from bot.config import Settings
    from bot.logging_setup import configure_logging
    from bot.wiring import StartupError

    try:
        settings = Settings().model_copy(update=_overrides(args))
    except ValueError as exc:
        return _fail(f"Configuration error: {_config_error(exc)}")
    configure_logging(settings.log_level, secrets_of(settings))
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


def secrets_of(settings: Settings) -> list[str]:
    """Everything the log must never print: the token, the webhook's secret, the password."""
    password = settings.database_password
    secrets = [password.get_secret_value()] if password else []
    token = settings.token()
    if token is None:
        return secrets
    return [*secrets, token, settings.webhook_secret_value()[0]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hipcoach", description="Hip Coach: a Telegram coach for runners' hips.")
    parser.add_argument("--version", action="version", version=f"hipcoach {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_parser = sub.add_parser("run", help="run the Telegram bot (long polling, or a webhook)")
    run_parser.add_argument("--webhook", metavar="URL", dest="webhook_url",
                            help="serve updates Telegram posts to this public URL")
    run_parser.add_argument("--listen", metavar="HOST:PORT", dest="webhook_listen",
                            help="where the webhook server listens (default 0.0.0.0:8080)")
    run_parser.set_defaults(handler=run)
    sub.add_parser("chat", help="talk to the coach in this terminal (no token needed)"
                   ).set_defaults(handler=chat)
    web = sub.add_parser("web", help="serve the Telegram Mini App (the week, a session player)")
    web.add_argument("--listen", metavar="HOST:PORT", dest="web_listen", default=None,
                     help="where it listens (default 127.0.0.1:8090)")
    web.add_argument("--dev", action="store_true",
                     help="sign in as the terminal chat's runner, no Telegram (loopback only)")
    web.set_defaults(handler=web_app)
    sub.add_parser("worker", help="send reminders only (several may run on PostgreSQL)"
                   ).set_defaults(handler=worker)
    sub.add_parser("status", help="reminder deliveries and schedules, counted by state"
                   ).set_defaults(handler=status)
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="TASK")
    db_sub.add_parser("upgrade", help="bring the schema up to date").set_defaults(handler=upgrade)
    content = sub.add_parser("content", help="content tasks")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="TASK")
    content_sub.add_parser("check", help="validate content/").set_defaults(handler=check)
    hear = sub.add_parser("listen", help="show how the coach reads runners' messages")
    hear.add_argument("--json", action="store_true", help="one JSON object per message")
    hear.add_argument("texts", nargs="*", metavar="TEXT",
                      help="messages to read (default: each line of standard input)")
    hear.set_defaults(handler=listen)
    drawing = sub.add_parser("figure", help="draw an exercise's moving figure, print its path")
    drawing.add_argument("exercise", metavar="EXERCISE_ID")
    drawing.add_argument("--side", choices=("left", "right"), default=None)
    drawing.add_argument("--still", action="store_true", help="a PNG instead of the GIF")
    drawing.set_defaults(handler=figure)
    runs = sub.add_parser("import-runs", help="read a runner's run files (FIT, GPX, TCX, zip)")
    runs.add_argument("--user", type=int, required=True, metavar="TELEGRAM_ID")
    runs.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    runs.set_defaults(handler=check)
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


WARM_UP_WAIT = 60.0  # seconds; a hang guard on a failing start, never reached in practice


def run(settings: Settings) -> int:
    token = settings.token()
    if token is None:
        return _fail(NO_TOKEN)
    if settings.webhook_url and not _LISTEN.fullmatch(settings.webhook_listen):
        return _fail(f"--listen must be HOST:PORT or PORT, not {settings.webhook_listen!r}")
    from bot.services.zones import warm_up_in_background
    from bot.telegram.app import TelegramStartupError, build_application, run_polling, run_webhook
    from bot.telegram.reminders import ReminderRunner, reminder_bot
    from bot.wiring import build_core

    core = build_core(settings)
    warm_up_in_background()
    charting = threading.Thread(target=_import_charting, name="chart-warm-up", daemon=True)
    charting.start()
    reminders = ReminderRunner(core.reminders, reminder_bot(token, settings.telegram_base_url),
                               settings.reminder_tick_seconds)
    app = build_application(token, settings.telegram_base_url, core.conversation, core.content,
                            lifecycle=reminders, menu=_menu_button(settings, core.content))
    if settings.webapp_url:
        # The Mini App writes the same runners' dialogues (hipcoach web is another process):
        # read them from the database, as webhook mode does, never from a cache gone stale.
        core.conversation.cache_size = 0
    try:
        if settings.webhook_url:
            secret, derived = settings.webhook_secret_value()
            run_webhook(app, settings.telegram_base_url, settings.webhook_url,
                        settings.webhook_listen, secret, derived,
                        _web_routes(settings, core.conversation, core.content, app))
        else:
            run_polling(app, settings.telegram_base_url)
    except TelegramStartupError as exc:
        # matplotlib logs while it loads (at DEBUG): let it finish, so the reason is the last
        # line the operator reads rather than one lost among font-cache notes.
        charting.join(timeout=WARM_UP_WAIT)
        return _fail(str(exc))
    return 0


def _menu_button(settings: Settings, content: ContentLibrary) -> tuple[str, str] | None:
    """With WEBAPP_URL, the chat's menu button opens the Mini App; without, nothing changes."""
    if not settings.webapp_url:
        return None
    from bot.web.server import page_labels

    return page_labels(content)["web.menu"], settings.webapp_url


def _web_routes(settings: Settings, service: ConversationService, content: ContentLibrary,
                app: BotApp) -> list[Any]:
    """With WEBAPP_URL, the webhook's port serves the Mini App too (its webhook path apart)."""
    if not settings.webapp_url or not settings.webhook_url:
        return []
    from urllib.parse import urlsplit

    from bot.telegram.reminder_sender import TelegramReminderSender
    from bot.web.coach import WebCoach
    from bot.web.launch import notifier
    from bot.web.server import WebApp, routes

    if (urlsplit(settings.webhook_url).path or "/") == "/":
        print("hipcoach: the webhook URL's path is /, where the web app would be: give the "
              "webhook a path of its own (e.g. /telegram) to serve both", file=sys.stderr)
        return []
    token = settings.token()
    assert token is not None
    notify = notifier(TelegramReminderSender(app.bot))
    return routes(WebApp(WebCoach(service), content, token, notify=notify))


def web_app(settings: Settings, args: argparse.Namespace | None = None) -> int:
    from bot.web.launch import launch
    from bot.web.serve import DEFAULT_LISTEN

    dev = bool(args and args.dev)
    listen = (args.web_listen if args else None) or DEFAULT_LISTEN
    if not dev and settings.token() is None:
        return _fail(NO_TOKEN.replace(", or try the coach without Telegram: hipcoach chat",
                                      ", or try the app without Telegram: hipcoach web --dev"))
    try:
        launch(settings, listen, dev)
    except ValueError as exc:
        return _fail(str(exc))
    return 0


def _import_charting() -> None:
    """The bot draws /progress charts: matplotlib's import and its first drawing (fonts,
    the Agg backend), about a second, are paid at start, not by the first runner who asks.
    The CLI's other commands never import it."""
    import io

    from matplotlib.figure import Figure

    figure = Figure(figsize=(1, 1))
    figure.subplots().set_title("warm-up")
    figure.savefig(io.BytesIO(), format="png")


def worker(settings: Settings) -> int:
    token = settings.token()
    if token is None:
        return _fail(NO_TOKEN.replace(", or try the coach without Telegram: hipcoach chat", ""))
    import asyncio

    from bot.services.reminder_clock import WorkerAlreadyRunningError
    from bot.telegram.app import TelegramStartupError
    from bot.telegram.reminders import reminder_bot, run_worker
    from bot.wiring import build_core

    core = build_core(settings)
    bot = reminder_bot(token, settings.telegram_base_url)
    try:
        asyncio.run(run_worker(core.reminders, bot, settings.reminder_tick_seconds,
                               settings.telegram_base_url))
    except (WorkerAlreadyRunningError, TelegramStartupError) as exc:
        return _fail(str(exc))
    return 0


def status(settings: Settings) -> int:
    from sqlalchemy.exc import DBAPIError

    from bot.db.engine import safe_url
    from bot.services.reminder_status import reminder_status
    from bot.wiring import connect

    engine = connect(settings)
    try:
        counts = reminder_status(engine)
    except DBAPIError:
        return _fail(f"No reminder tables at {safe_url(engine)} yet: run hipcoach db upgrade")
    print(f"Reminders at {safe_url(engine)}")
    print("\n".join(counts.lines()))
    return 0


def chat(settings: Settings) -> int:
    from bot.console.chat import ConsoleChat
    from bot.services.zones import warm_up_in_background
    from bot.wiring import build_core

    core = build_core(settings)
    warm_up_in_background()
    return ConsoleChat(core.conversation, sys.stdin, sys.stdout).run()


def import_runs(settings: Settings, args: argparse.Namespace) -> int:
    """A coach importing a runner's history: every file read and stored as if sent."""
    from bot.console.chat import html_to_plain
    from bot.console.runs import import_paths
    from bot.content.library import RenderedMessage
    from bot.services.runs.service import RunService
    from bot.wiring import build_core

    core = build_core(settings)
    runs = RunService(core.conversation.engine, core.content)
    missing: list[str] = []

    def show(path: str, message: RenderedMessage | None) -> None:
        if message is None:
            missing.append(path)
            print(f"{path}: no such file", file=sys.stderr)
        else:
            print(f"{path}:\n{html_to_plain(message.text, bold=False)}\n")

    stored = import_paths(runs, args.user, args.paths, show)
    print(f"{stored} run{'s' if stored != 1 else ''} stored for user {args.user}")
    return 2 if missing else 0


def upgrade(settings: Settings) -> int:
    from bot.db.engine import safe_url
    from bot.wiring import bring_schema_up_to_date, connect

    engine = connect(settings)
    bring_schema_up_to_date(engine)
    print(f"Schema is up to date at {safe_url(engine)}")
    return 0


def check(settings: Settings) -> int:
    from bot.content.checks import check_figures
    from bot.content.library import ContentError
    from bot.wiring import load_content

    try:
        content, catalog = load_content()
        check_figures(content)
    except ContentError as exc:
        return _fail(f"Content problem: {exc}")
    print(f"Content OK: {len(content.labels)} labels, {len(content.template_names())} templates, "
          f"{len(catalog.exercises)} exercises, {len(catalog.protocols)} protocols")
    return 0


def listen(settings: Settings, args: argparse.Namespace | None = None) -> int:
    """Each message read as from a screened runner with no question open."""
    import json

    from bot.content.library import ContentError
    from bot.services.feedback import FeedbackReader, understood
    from bot.wiring import load_content

    try:
        _, catalog = load_content()
    except ContentError as exc:
        return _fail(f"Content problem: {exc}")
    reader = FeedbackReader((e.id, e.name, e.aliases) for e in catalog.exercises.values())
    texts = list(args.texts) if args is not None and args.texts else (
        line.rstrip("\n") for line in sys.stdin)
    for text in texts:
        if not text.strip():
            continue
        heard = understood(text, reader.read(text))
        print(json.dumps(heard, ensure_ascii=False) if args is not None and args.json
              else _heard_line(heard))
    return 0


def _heard_line(heard: dict[str, object]) -> str:
    """One message and what was heard, for a person: "-> report: squats hard"."""
    moves = heard["moves"] if isinstance(heard["moves"], list) else []
    candidates = heard["candidates"] if isinstance(heard["candidates"], list) else []
    unnamed = "(which move?)" if candidates else "(the session)"
    said = ", ".join(
        " ".join(str(v) for v in (m["exercise"] or unnamed, m["outcome"], m["side"],
                                  m["severity"]) if v) for m in moves)
    flag = " RED FLAG" if heard["red_flag"] else ""
    asks = f" (which: {', '.join(map(str, candidates))})" if candidates else ""
    return f"{heard['text']}\n  -> {heard['intent']}{flag}: {said or '-'}{asks}"


def figure(settings: Settings, args: argparse.Namespace | None = None) -> int:
    from bot.content.library import ContentError
    from bot.content.poses import figure_store_for
    from bot.domain.catalog import normalise_name
    from bot.paths import content_dir
    from bot.wiring import load_content

    if args is None:
        return _fail("which exercise? e.g. hipcoach figure clamshell")
    try:
        _, catalog = load_content()
    except ContentError as exc:
        return _fail(f"Content problem: {exc}")
    exercise = catalog.find(args.exercise)
    if exercise is None:
        names = {normalise_name(n): e.id for e in catalog.exercises.values()
                 for n in (e.id, e.name, *e.aliases)}
        close = dict.fromkeys(names[n] for n in difflib.get_close_matches(
            normalise_name(args.exercise), list(names), n=5))
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        return _fail(f"No exercise called '{args.exercise}'.{hint}")
    store = figure_store_for(content_dir(), Path(settings.figure_cache_dir).resolve())
    draw = store.still if args.still else store.animation
    print(draw(exercise.id, args.side))
    return 0
def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """Command-line options that take the place of a setting."""
    names = ("webhook_url", "webhook_listen")
    return {name: getattr(args, name) for name in names if getattr(args, name, None)}


def _fail(message: str) -> int:
    print(f"hipcoach: {message}", file=sys.stderr)
    return 2


def _config_error(exc: ValueError) -> str:
    """Which setting is wrong and why, never the value given (it may be a secret)."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return _first_line(exc)
    return "; ".join(f"{'.'.join(str(part) for part in error['loc']).upper()}: "
                     f"{error['msg'].removeprefix('Value error, ')}"
                     for error in exc.errors(include_input=False, include_url=False))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
