"""A Bot API backend that answers a share of sendMessage calls with a 5xx and keeps, for each
call, when it arrived and what became of it: what the fault tests measure, at the API.

Use it behind the real HTTP double: ``HttpBotApiDouble(backend=FaultyBackend(0.03))``.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.support.fake_request import BotApiBackend, JsonDict

SERVER_ERRORS = ((500, "Internal Server Error"), (502, "Bad Gateway"),
                 (503, "Service Unavailable"), (504, "Gateway Timeout"))


@dataclass
class Arrivals:
    """Every sendMessage as the API saw it: when, for whom, and whether it was delivered."""

    times: list[float] = field(default_factory=list)
    delivered: Counter[int] = field(default_factory=Counter)
    refused: int = 0

    def most_in_any_window(self, window: float = 1.0) -> int:
        """The most calls that arrived within any ``window`` seconds (a half-open window)."""
        times = sorted(self.times)
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= window:
                first += 1
            most = max(most, last - first + 1)
        return most


class FaultyBackend(BotApiBackend):
    def __init__(self, server_error_rate: float = 0.0, seed: int = 11) -> None:
        super().__init__()
        self.server_error_rate = server_error_rate
        self.random = random.Random(seed)
        self.arrivals = Arrivals()

    def handle(self, method: str, params: dict[str, object]) -> tuple[int, JsonDict]:
        if method != "sendMessage":
            return super().handle(method, params)
        with self.cond:
            self.arrivals.times.append(time.monotonic())
            if self.random.random() < self.server_error_rate:
                self.arrivals.refused += 1
                status, description = self.random.choice(SERVER_ERRORS)
                return status, {"ok": False, "error_code": status, "description": description}
            answer = super().handle(method, params)
            if answer[0] == 200:
                chat_id = params.get("chat_id")
                self.arrivals.delivered[int(chat_id) if isinstance(chat_id, int | str) else 0] += 1
            self.cond.notify_all()
            return answer

    def delivered_total(self) -> int:
        with self.cond:
            return sum(self.arrivals.delivered.values())

    def wait_delivered(self, count: int, timeout: float) -> None:
        """Block until ``count`` messages have been delivered in all (AssertionError if not)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while sum(self.arrivals.delivered.values()) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, (f"only {sum(self.arrivals.delivered.values())} of "
                                       f"{count} messages arrived within {timeout} s")
                self.cond.wait(remaining)

    def snapshot(self) -> Arrivals:
        with self.cond:
            return Arrivals(list(self.arrivals.times), Counter(self.arrivals.delivered),
                            self.arrivals.refused)
