"""How the simulated runner trains: when they start a session and what they say about each move."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from bot.content.exercises import cached_catalog
from bot.domain.clearance import CONFIRM_LABEL
from bot.paths import content_dir
from bot.simulate.journal import DayEntry
from bot.simulate.persona import PainEvent, Persona, Retest, retest_answers
from bot.simulate.runner import Hands, Sent

MAX_STEPS = 60
START_KEYS = ("reminder.start", "today.start")
DID_IT_KEYS = ("reminder.done", "today.done")
WALK_KEYS = {"done": "walk.done", "hard": "walk.hard", "pain": "walk.pain", "skip": "walk.skip"}
STRENGTH_AT = "18:30"
# Without a pre-run reminder (paused, red flag), the runner opens /today shortly before the run.
BEFORE_RUN = timedelta(minutes=20)
# Hills and backwards running are asked about after the run: the runner is back by then.
AFTER_RUN = timedelta(minutes=80)


class Trainer:
    def __init__(self, persona: Persona, hands: Hands, rng: random.Random) -> None:
        self.persona = persona
        self.behaviour = persona.behaviour
        self.hands = hands
        self.rng = rng
        self.day = persona.start
        self.entry = DayEntry.empty(persona.start)
        self.will_train = False
        self.trained = False
        self.outcomes: list[dict[str, str]] = []
        self.pain_now: PainEvent | None = None
        self.typed: set[tuple[str, str]] = set()  # mid-walk texts typed today (move, text)
        self.followed_up = False

    # -- the day ---------------------------------------------------------------------------------

    def begin_day(self, day: date, entry: DayEntry) -> None:
        self.day, self.entry = day, entry
        self.outcomes = []
        self.trained = False
        self.pain_now = None
        self.typed = set()
        self.followed_up = False
        planned = any(i.when != "during_run" for i in entry.items)
        # One draw a day whatever the plan, so a plan change does not reshuffle later days.
        self.will_train = self.rng.random() < self.behaviour.does and planned

    def fallback_time(self, day: date) -> str | None:
        if not self.will_train:
            return None
        if self.entry.kind == "run":
            run = datetime.strptime(self.persona.answers.run_time, "%H:%M") - BEFORE_RUN
            return run.strftime("%H:%M")
        return STRENGTH_AT

    def after_run_time(self) -> str | None:
        """A runner who walks their sessions reports the work done on the run once back."""
        if not self.will_train or self.behaviour.reports != "walk" or self.entry.kind != "run" \
                or not any(i.when == "during_run" for i in self.entry.items):
            return None
        back = datetime.strptime(self.persona.answers.run_time, "%H:%M") + AFTER_RUN
        return back.strftime("%H:%M")

    def report_run(self) -> None:
        if not self.trained:
            return
        shown = self.hands.command("today")
        if "today.start" in _keys(shown):
            self.react(self.hands.tap("today.start", shown) or [])

    def on_reminder(self, sent: Sent) -> None:
        kind = sent.trigger.removeprefix("reminder:")
        if kind == "checkin":
            self.react(self.hands.tap(f"reminder.hip_{self.behaviour.checkin}", [sent]) or [])
        elif kind in ("pre_run", "strength") and self.will_train and not self.trained:
            self._train_from([sent])

    def train_unprompted(self) -> None:
        if self.will_train and not self.trained:
            self._train_from(self.hands.command("today"))

    # -- a session -------------------------------------------------------------------------------

    def _train_from(self, shown: list[Sent]) -> None:
        if "reminder.today" in _keys(shown):
            shown = self.hands.tap("reminder.today", shown) or []
        keys = START_KEYS if self.behaviour.reports == "walk" else DID_IT_KEYS
        for key in keys:
            if key in _keys(shown):
                self.trained = True
                self.react(self.hands.tap(key, shown) or [])
                return

    def react(self, shown: list[Sent]) -> None:
        """Answer whatever the coach asks next, until it asks nothing this runner can answer."""
        for _ in range(MAX_STEPS):
            nxt = self._respond(shown[-1]) if shown else None
            if nxt is None:
                return
            shown = nxt

    def off_plan_pains(self) -> list[PainEvent]:
        """Today's pains on moves today's plan does not have: told in words in the evening."""
        today = {i.exercise for i in self.entry.items}
        return [p for p in self.behaviour.pain if p.on == self.day and p.exercise not in today]

    def tell_pain(self, pain: PainEvent) -> None:
        self.pain_now = pain
        self.outcomes.append({"exercise": pain.exercise, "outcome": "pain", "side": pain.side})
        self.react(self.hands.type(pain_words(pain)))

    def _respond(self, last: Sent) -> list[Sent] | None:
        keys = last.button_keys()
        if "walk.done" in keys:
            return self._walk_step(last)
        if last.message.template in ("did_it_follow_up", "ask_which_hurt"):
            return self._after_did_it(last)
        pain = self.pain_now
        if pain is not None and any(k.startswith("pain_side.") for k in keys):
            return self.hands.tap(f"pain_side.{pain.side}", [last])
        if pain is not None and any(k.startswith("pain_severity.") for k in keys):
            return self.hands.tap(f"pain_severity.{pain.severity}", [last])
        return None

    def _after_did_it(self, asked: Sent) -> list[Sent] | None:
        if asked.message.template == "ask_which_hurt":
            pain = self.pain_now
            return self.hands.tap(f"exercise.{pain.exercise}", [asked]) if pain else None
        if self.followed_up:
            return None
        self.followed_up = True
        return self._follow_up(asked)

    def _follow_up(self, asked: Sent) -> list[Sent] | None:
        """After ✅ Did it (already stored): tap each move that was hard, then say what hurt."""
        moves = [k.removeprefix("exercise.") for k in asked.button_keys()
                 if k.startswith("exercise.")]
        hurt = False
        for move in moves:
            outcome = self._outcome_for(move)
            side = self.pain_now.side if outcome == "pain" and self.pain_now else "both"
            self.outcomes.append({"exercise": move, "outcome": outcome, "side": side})
            if outcome == "hard":
                self.hands.tap(f"exercise.{move}", [asked])
            hurt = hurt or outcome == "pain"
        return self.hands.tap("feedback.hurt", [asked]) if hurt else None

    def _walk_step(self, step: Sent) -> list[Sent] | None:
        item = step.message.params.get("item")
        exercise = str(item.get("id", "")) if isinstance(item, dict) else ""
        number = int(str(step.message.params.get("number", 0)))
        typed = next((t for t in self.behaviour.texts if t.on == self.day
                      and t.typed_at(number, exercise)
                      and (t.at, t.text) not in self.typed), None)
        if typed is not None:  # typed while this move is on screen, before tapping it
            self.typed.add((typed.at, typed.text))
            return self.hands.type(typed.text)
        outcome = self._outcome_for(exercise)
        side = self.pain_now.side if outcome == "pain" and self.pain_now else "both"
        self.outcomes.append({"exercise": exercise, "outcome": outcome, "side": side})
        return self.hands.tap(WALK_KEYS[outcome], [step])

    def _outcome_for(self, exercise: str) -> str:
        pain = next((p for p in self.behaviour.pain
                     if p.on == self.day and p.exercise == exercise), None)
        if pain is not None:
            # Kept past later moves: the side and severity are asked when the walk ends.
            self.pain_now = pain
            return "pain"
        hard = self.behaviour.hard
        if hard == "all" or (isinstance(hard, tuple) and exercise in hard):
            return "hard"
        if self.behaviour.hard_rate and self.rng.random() < self.behaviour.hard_rate:
            return "hard"
        return "done"

    # -- re-tests, undo, clearance ---------------------------------------------------------------

    def retest(self, retest: Retest) -> None:
        answers = retest_answers(retest)
        shown = self.hands.command("retest")
        for _ in range(len(answers) + 1):
            question = next((s.message.template.removeprefix("q_") for s in reversed(shown)
                             if s.message.template.removeprefix("q_") in answers), None)
            if question is None:
                return
            shown = self.hands.tap(f"{question}.{answers[question]}", shown) or []

    def undo(self) -> None:
        today = [s for s in self.hands.log if s.at.date() >= self.day - timedelta(days=1)]
        self.react(self.hands.tap("feedback.undo", today) or [])

    def clearance(self) -> None:
        shown = self.hands.command("cleared")
        if CONFIRM_LABEL in _keys(shown):  # two steps: "Just to be sure?" then "Yes"
            shown = self.hands.tap(CONFIRM_LABEL, shown) or []
        self.react(shown)


SEVERITY_WORDS = {"mild": "a bit", "stopped": "and I had to stop",
                  "sharp": "with a sharp pain, had to stop"}


def pain_words(pain: PainEvent) -> str:
    """A pain told in the runner's words, naming the move."""
    found = cached_catalog(content_dir()).exercises.get(pain.exercise)
    name = found.name.lower() if found else pain.exercise.replace("_", " ")
    where = "both hips" if pain.side == "both" else f"my {pain.side} hip"
    return f"{where} hurt {SEVERITY_WORDS[pain.severity]} during the {name}"


def _keys(shown: list[Sent]) -> list[str]:
    return [k for s in shown for k in s.button_keys()]
