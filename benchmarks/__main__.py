"""python -m benchmarks [update_path | reminders_startup | reminders_fanout | figures] [options]

update_path (the default): --users N --rounds N --database sqlite,postgres
reminders_startup: --users N (default 100,000)
reminders_fanout: --reminders N (default 10,000) --rate R --database sqlite|postgres
latency [busy_neighbour | coached | concurrency]: --users 50,200,1000 --runners N --weeks N
    --database sqlite,postgres
cli_help: --runs N
db_access: --tasks N --reads N (PostgreSQL)
figures: [--both-sides] (every exercise's GIF and still, drawn cold, then served cached)
reminders_workers: --reminders N (default 900) --rate R --workers 1,2,4 (PostgreSQL)
reader: --rounds N (the free-text reader, per message, over the labelled corpus)
run_files: --rounds N (a two-hour FIT file read, summarised and stored vs the SDK's decode)
webapp: --runners N (default 50) --rounds N --weeks N --database sqlite|postgres
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from benchmarks import (
    cli_help,
    db_access,
    figures,
    latency,
    reader,
    reminders_fanout,
    reminders_startup,
    reminders_workers,
    run_files,
    update_path,
    webapp,
)

BENCHMARKS: dict[str, Callable[[list[str]], int]] = {
    "update_path": update_path.main,
    "reminders_startup": reminders_startup.main,
    "reminders_fanout": reminders_fanout.main,
    "latency": latency.main,
    "cli_help": cli_help.main,
    "db_access": db_access.main,
    "figures": figures.main,
    "reminders_workers": reminders_workers.main,
    "reader": reader.main,
    "run_files": run_files.main,
    "webapp": webapp.main,
}

if __name__ == "__main__":
    args = sys.argv[1:]
    name = args[0] if args and args[0] in BENCHMARKS else "update_path"
    rest = args[1:] if args and args[0] in BENCHMARKS else args
    sys.exit(BENCHMARKS[name](rest))
