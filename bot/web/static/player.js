// The session player: today's moves one at a time, a timer that runs each move's segments
// (from the server: reps at a steady count, holds, a side then switch, rests, circuit rounds),
// and Done / Hard / Pain / Skip sent as the chat's own walk-through taps.
import { api, el, label, runnerKey, signal } from "./api.js";

const TICK_MS = 200;
const REP_MS = 3000;
const OUTCOMES = ["done", "hard", "pain", "skip"];
const QUEUE_KEY = `hipcoach.pending.${runnerKey}`;

export class Player {
  constructor(root, { onChange, say }) {
    this.root = root;
    this.onChange = onChange;
    this.say = say;
    this.session = null;
    this.timer = null;
    this.circuitPlayed = false;
    this.lock = null;
    this.queue = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
    window.addEventListener("online", () => this.flush());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.running) this.keepAwake();
    });
  }

  async load(notes = []) {
    this.stop();
    if (this.queue.length && navigator.onLine) { await this.flush(); return; }
    this.session = await api("session");
    this.render(notes);
  }

  render(notes) {
    const s = this.session;
    const noteList = notes.length ? el("div", { class: "card replies" }, ...notes.map((r) => el("p", { text: r.text }))) : null;
    if (s.walking && s.moves.length) {
      this.root.replaceChildren(...[noteList, ...this.moveView()].filter(Boolean));
      this.play();
    } else if (s.done) {  // /today's "done today": no second Start or Did it to double it
      this.root.replaceChildren(...[noteList, el("p", { class: "card", "data-finished": "", text: label("web.finished") })].filter(Boolean));
    } else if (s.later) {  // the warm-up is done; the run's own work is asked about after it
      this.root.replaceChildren(...[noteList, el("p", { class: "card hint", "data-later": "", text: label("web.after_warm_up") })].filter(Boolean));
    } else if (!s.moves.length) {
      this.root.replaceChildren(el("p", { class: "card hint", text: label("web.no_session") }));
    } else {
      this.root.replaceChildren(...[noteList, this.intro()].filter(Boolean));
    }
  }

  intro() {
    const s = this.session;
    return el("div", {},
      el("div", { class: "card" },
        el("ul", { class: "moves" }, ...s.moves.map((m) => el("li", { text: `${m.name}: ${m.dose_text}` })))),
      el("button", { type: "button", class: "primary", "data-action": "start", text: label("web.start"),
                     on: { click: () => this.act("start", {}) } }),
      el("div", { class: "row" },
        el("button", { type: "button", "data-action": "did", text: label("web.did_it"),
                       on: { click: () => this.act("did", {}) } })));
  }

  segmentsNow() {
    const s = this.session;
    if (!s.circuit) return s.segments.filter((seg) => seg.move === s.index);
    return s.index === 0 && !this.circuitPlayed ? s.segments : [];
  }

  moveView() {
    const s = this.session;
    const move = s.moves[s.index];
    this.segs = this.segmentsNow();
    this.pos = 0;
    this.remaining = this.segs.length ? this.segs[0].seconds * 1000 : 0;
    this.countNode = el("p", { class: "hint", text: label("web.move_of", { n: s.index + 1, total: s.moves.length }) });
    this.nameNode = el("h2", { "data-move": move.id, text: move.name });
    this.doseNode = el("p", { class: "hint", text: move.dose_text });
    this.cueNode = el("ul", { class: "cues" }, ...move.cues.map((cue) => el("li", { text: cue })));
    this.clockNode = el("div", { class: "clock", "data-clock": "" });
    this.phaseNode = el("div", { class: "phase" });
    this.barNode = el("span");
    this.pauseButton = el("button", { type: "button", "data-action": "pause", text: label("web.pause"),
                                      on: { click: () => this.toggle() } });
    const card = el("article", { class: "card" },
      this.countNode, this.nameNode, this.doseNode, this.cueNode,
      el("div", { class: "timer" }, this.clockNode, this.phaseNode, el("div", { class: "bar" }, this.barNode)),
      el("div", { class: "row" }, this.pauseButton,
         el("button", { type: "button", "data-action": "next", text: label("web.next"), on: { click: () => this.advance() } })));
    const outcomes = el("div", { class: "row outcomes" }, ...OUTCOMES.map((outcome) =>
      el("button", { type: "button", "data-outcome": outcome, text: label(`walk.${outcome}`) || outcome,
                     on: { click: () => this.report(outcome) } })));
    this.show();
    return [card, outcomes];
  }

  get running() { return this.timer !== null; }

  play() {
    if (!this.segs.length || this.pos >= this.segs.length || this.running) return;
    this.last = Date.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.pauseButton.textContent = label("web.pause");
    this.keepAwake();
  }

  stop() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.lock) { this.lock.release().catch(() => {}); this.lock = null; }
  }

  toggle() {
    if (this.running) { this.stop(); this.pauseButton.textContent = label("web.play"); }
    else this.play();
  }

  tick() {
    const now = Date.now();
    const before = this.repNumber();
    this.remaining -= now - this.last;
    this.last = now;
    if (this.remaining <= 0) { this.advance(); return; }
    if (this.repNumber() !== before) signal(false);  // the steady count, one pulse a rep
    this.show();
  }

  advance() {
    if (this.pos >= this.segs.length) return;
    this.pos += 1;
    signal(true);
    if (this.pos >= this.segs.length) {
      this.stop();
      if (this.session.circuit) this.circuitPlayed = true;
    } else {
      this.remaining = this.segs[this.pos].seconds * 1000;
    }
    this.show();
  }

  // A circuit's timer walks through every move, round after round: show the one being done.
  showMove(index) {
    const move = this.session.moves[index];
    if (this.nameNode.textContent === move.name) return;
    this.countNode.textContent = label("web.move_of", { n: index + 1, total: this.session.moves.length });
    this.nameNode.textContent = move.name;
    this.doseNode.textContent = move.dose_text;
    this.cueNode.replaceChildren(...move.cues.map((cue) => el("li", { text: cue })));
  }

  repNumber() {
    const seg = this.segs[this.pos];
    if (!seg || seg.kind !== "reps" || !seg.count) return null;
    const perRep = (seg.seconds * 1000) / seg.count;
    return Math.min(seg.count, Math.floor((seg.seconds * 1000 - this.remaining) / perRep) + 1);
  }

  show() {
    const s = this.session;
    const seg = this.segs[this.pos];
    if (!seg) {
      const move = s.moves[s.index];
      const during = move.phase === "during" || (!this.segs.length && !s.circuit);
      if (s.circuit) this.showMove(s.index);
      this.clockNode.textContent = "✓";
      this.phaseNode.className = "phase";
      this.phaseNode.textContent = label(s.circuit && s.index === 0 && this.circuitPlayed
        ? "web.report_circuit" : during && !this.segs.length ? "web.after_run" : "web.timer_done");
      this.barNode.style.width = "100%";
      return;
    }
    if (s.circuit) this.showMove(seg.move);
    const seconds = Math.max(0, Math.ceil(this.remaining / 1000));
    this.clockNode.textContent = seconds >= 60 ? `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` : String(seconds);
    const parts = [];
    if (seg.round) parts.push(label("web.round_of", { n: seg.round, total: seg.rounds }));
    else if (seg.sets > 1) parts.push(label("web.set_of", { n: seg.set, total: seg.sets }));
    if (seg.side === "left" || seg.side === "right") parts.push(label(`web.side.${seg.side}`));
    if (seg.kind === "reps" && seg.count) parts.push(label("web.reps", { n: this.repNumber(), total: seg.count }));
    else parts.push(label(`web.${seg.kind}`));
    this.phaseNode.className = `phase ${seg.kind}`;
    this.phaseNode.dataset.kind = seg.kind;
    this.phaseNode.textContent = parts.join(" · ");
    this.barNode.style.width = `${Math.round((1 - this.remaining / (seg.seconds * 1000)) * 100)}%`;
  }

  async keepAwake() {
    try {
      if ("wakeLock" in navigator && !this.lock) this.lock = await navigator.wakeLock.request("screen");
    } catch { this.lock = null; }  // not allowed here (no focus, low battery): the timer still runs
  }

  report(outcome) {
    const tap = { index: this.session.index, outcome };
    if (this.queue.length || !navigator.onLine) return this.later(tap);
    return this.act("move", tap);
  }

  // Offline: the tap is kept (on this phone, across a reload) and the next move shown; the taps
  // go out in order when the connection returns. The server takes each once: a tap for a move
  // it has already passed is refused, never counted twice.
  later(tap) {
    this.queue.push(tap);
    localStorage.setItem(QUEUE_KEY, JSON.stringify(this.queue));
    this.say("web.offline_saved");
    const s = this.session;
    if (s.index + 1 < s.moves.length) {
      this.stop();
      this.session = { ...s, index: s.index + 1 };
      this.render([]);
    } else {
      for (const button of this.root.querySelectorAll("button")) button.disabled = true;
    }
  }

  async flush() {
    while (this.queue.length) {
      try {
        await api("move", this.queue[0]);
      } catch (error) {
        if (error.status === 0) return;  // still offline: try again on the next "online"
      }
      this.queue.shift();
      localStorage.setItem(QUEUE_KEY, JSON.stringify(this.queue));
    }
    this.say(null);
    await this.load();
    if (!this.session.walking) this.onChange();
  }

  async act(what, body) {
    for (const button of this.root.querySelectorAll("button")) button.disabled = true;
    let answer;
    try {
      answer = await api(what, body);
    } catch (error) {
      if (error.status === 0 && what === "move") { this.later(body); return; }
      if (error.status !== 409) { this.say("web.offline"); for (const b of this.root.querySelectorAll("button")) b.disabled = false; return; }
      answer = { replies: [], concluded: false };
    }
    this.stop();
    this.session = await api("session");
    if (this.session.walking) {
      // The last reply is the chat's prompt for the next move: the player shows that itself.
      this.render(answer.replies.slice(0, -1));
    } else {
      this.showReplies(answer.replies, answer.concluded);
      this.onChange();
    }
  }

  showReplies(replies, concluded) {
    const cards = replies.map((reply) => el("article", { class: "card replies" },
      el("p", { text: reply.text }),
      reply.buttons.length ? el("div", { class: "row" }, ...reply.buttons.map((b) =>
        el("button", { type: "button", "data-press": b.data, text: b.label,
                       on: { click: () => this.act("press", { data: b.data }) } }))) : null));
    const head = concluded ? el("p", { class: "card", "data-finished": "", text: label("web.finished") }) : null;
    this.root.replaceChildren(...[head, ...cards].filter(Boolean));
  }
}
