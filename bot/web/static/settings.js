// Settings: the chat's own /settings, shown as cards with its buttons and a box for a typed
// answer. The same questions, the same checks and the same plan rebuild as in the chat.
import { api, el, label } from "./api.js";

export class Settings {
  constructor(root, { say, onChange }) {
    this.root = root;
    this.say = say;
    this.onChange = onChange;
  }

  // Opening the tab changes nothing: /settings (like the chat's) would close a walk in progress.
  load() {
    this.root.replaceChildren(el("button", { type: "button", class: "primary", "data-action": "open-settings",
      text: label("web.open_settings"), on: { click: () => this.act("settings", {}) } }));
  }

  async send(what, body) {
    for (const button of this.root.querySelectorAll("button")) button.disabled = true;
    const answer = await api(what, body);
    this.render(answer.replies);
    this.onChange();
  }

  render(replies) {
    const cards = replies.map((reply) => el("article", { class: "card replies" },
      el("p", { text: reply.text }),
      reply.buttons.length ? el("div", { class: "row" }, ...reply.buttons.map((b) =>
        el("button", { type: "button", "data-press": b.data, text: b.label,
                       on: { click: () => this.act("press", { data: b.data }) } }))) : null));
    const input = el("input", { type: "text", name: "answer", maxlength: "200", autocomplete: "off",
                                "aria-label": label("web.type_answer"), placeholder: label("web.type_answer") });
    const form = el("form", { class: "row typed", on: { submit: (event) => {
      event.preventDefault();
      if (input.value.trim()) this.act("text", { text: input.value });
    } } }, input, el("button", { type: "submit", text: label("web.send") }));
    this.root.replaceChildren(...cards, form);
    this.root.dataset.answered = String(Number(this.root.dataset.answered || 0) + 1);
  }

  async act(what, body) {
    try { await this.send(what, body); } catch { this.say("web.offline"); }
  }
}
