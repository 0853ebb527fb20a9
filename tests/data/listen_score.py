"""Scoring the reader on the labelled corpus (tests/data/listen_corpus.jsonl).

    python -m tests.data.listen_score [-v] [CORPUS.jsonl]

prints the share of messages read fully right (intent, red flag, every move with its outcome,
side and severity, the candidates), the red flags missed and the trouble read as clean; -v
lists every message read differently from its label.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("listen_corpus.jsonl")
# Written after the reader was last changed, and never used to change it: how it does on
# messages it was not tuned on.
HELD_OUT = Path(__file__).with_name("listen_heldout.jsonl")
TROUBLE = frozenset({"hard", "unfinished", "pain", "skipped"})
CLEAN = frozenset({"done", "easy"})
Heard = Mapping[str, object]


def labelled(path: Path = CORPUS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _moves(heard: Heard) -> list[tuple[str, ...]]:
    raw = heard["moves"]
    assert isinstance(raw, list)
    return sorted(tuple(str(m[k]) for k in ("exercise", "outcome", "side", "severity"))
                  for m in raw)


def fully_right(got: Heard, want: Heard) -> bool:
    return (got["intent"] == want["intent"] and got["red_flag"] == want["red_flag"]
            and _moves(got) == _moves(want)
            and sorted(map(str, got["candidates"])) == sorted(map(str, want["candidates"])))  # type: ignore[call-overload]


def trouble_read_clean(got: Heard, want: Heard) -> bool:
    """Something that went wrong (hard, unfinished, pain, skipped, a red flag) read as clean."""
    if want["red_flag"] and not got["red_flag"]:
        return True
    said = {m[0]: m[1] for m in _moves(got)}
    return any(move[1] in TROUBLE and said.get(move[0]) in CLEAN for move in _moves(want))


@dataclass(frozen=True)
class Score:
    total: int
    right: int
    red_flags_missed: tuple[str, ...]
    trouble_as_clean: tuple[str, ...]
    misread: tuple[tuple[Heard, Heard], ...]

    @property
    def accuracy(self) -> float:
        return self.right / self.total


def score(listen: Callable[[str], Heard], path: Path = CORPUS) -> Score:
    right, missed, clean, misread = 0, [], [], []
    for want in labelled(path):
        text = str(want["text"])
        got = listen(text)
        if fully_right(got, want):
            right += 1
        else:
            misread.append((got, want))
        if want["red_flag"] and not got["red_flag"]:
            missed.append(text)
        if trouble_read_clean(got, want):
            clean.append(text)
    return Score(len(misread) + right, right, tuple(missed), tuple(clean), tuple(misread))


def main(argv: list[str]) -> int:
    from bot.services.feedback import FeedbackReader, understood
    from bot.wiring import load_content

    _, catalog = load_content()
    reader = FeedbackReader((e.id, e.name, e.aliases) for e in catalog.exercises.values())
    files = [Path(a) for a in argv if not a.startswith("-")] or [CORPUS]
    result = score(lambda text: understood(text, reader.read(text)), files[0])
    print(f"{result.right}/{result.total} fully right ({result.accuracy:.1%}); "
          f"red flags missed: {len(result.red_flags_missed)}; "
          f"trouble read as clean: {len(result.trouble_as_clean)}")
    if "-v" in argv:
        for got, want in result.misread:
            wanted = {k: v for k, v in want.items() if k != "text"}
            heard = {k: v for k, v in got.items() if k != "text"}
            print(f"- {want['text']}\n    want {json.dumps(wanted)}\n    got  {json.dumps(heard)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
