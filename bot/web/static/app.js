import { api, applyTheme, el, initData, label } from "./api.js";
import { Player } from "./player.js";
import { Settings } from "./settings.js";

const notice = document.getElementById("notice");
const sections = ["week", "session", "progress", "settings"];
const player = new Player(document.getElementById("session"), { onChange: () => load("week"), say });
const settings = new Settings(document.getElementById("settings"), { onChange: () => {}, say });

function say(key) {
  notice.hidden = !key;
  notice.textContent = key ? label(key) : "";
}

function show(name) {
  for (const id of sections) document.getElementById(id).hidden = id !== name;
  for (const tab of document.querySelectorAll(".tabs button")) {
    if (tab.dataset.show === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  load(name);
}

async function load(name) {
  try {
    if (name === "week") renderWeek(await api("week"));
    if (name === "session") await player.load();
    if (name === "progress") renderProgress(await api("progress"));
    if (name === "settings") settings.load();
    say(null);
  } catch (error) {
    say(error.status === 409 ? "web.not_ready" : error.status === 401 ? "web.signed_out" : "web.offline");
  }
}

function renderWeek(week) {
  const root = document.getElementById("week");
  root.replaceChildren();
  if (week.safety_text) root.append(el("p", { class: "notice safety", text: week.safety_text }));
  week.days.forEach((day, index) => {
    const head = el("div", { class: "day-head" },
      el("h3", { text: index === 0 ? `${label("web.today")} · ${day.weekday_name}` : day.weekday_name }),
      el("span", { class: day.done ? "badge done" : "badge",
                   text: day.done ? label("web.done") : day.minutes ? label("web.minutes", { n: day.minutes }) : "" }));
    const card = el("article", { class: index === 0 ? "card today" : "card", "data-date": day.date }, head,
      el("p", { class: "hint", text: day.run ? `${day.title_text} · ${label("web.run_day")}` : day.title_text }));
    if (day.moves.length) {
      card.append(el("ul", { class: "moves" },
        ...day.moves.map((move) => el("li", { text: `${move.name}: ${move.dose_text}` }))));
    } else {
      card.append(el("p", { class: "hint", text: label("web.rest_day") }));
    }
    if (index === 0 && day.moves.length && !day.done) {
      card.append(el("button", { type: "button", class: "primary", "data-action": "open-session",
                                 text: label("web.start"), on: { click: () => show("session") } }));
    }
    root.append(card);
  });
}

function renderProgress(progress) {
  const root = document.getElementById("progress");
  const most = Math.max(1, ...progress.weeks.map((w) => Math.max(w.done, w.planned)));
  root.replaceChildren(
    el("div", { class: "card figures" },
      el("div", {}, el("strong", { "data-figure": "streak", text: String(progress.streak) }), label("web.streak")),
      el("div", {}, el("strong", { "data-figure": "steps", text: String(progress.steps) }), label("web.steps")),
      el("div", {}, el("strong", { "data-figure": "retests", text: String(progress.retests) }), label("web.retests"))),
    el("div", { class: "card" }, el("h3", { text: label("web.weeks") }),
      el("div", { class: "bars" }, ...progress.weeks.map((w) => {
        const bar = el("span", { title: `${w.done}/${w.planned}` });
        bar.style.height = `${Math.round((w.done / most) * 100)}%`;
        return el("div", { "data-week": w.start }, bar, `${w.done}/${w.planned}`);
      }))));
}

applyTheme();
for (const tab of document.querySelectorAll(".tabs button")) {
  tab.addEventListener("click", () => show(tab.dataset.show));
}
if (!initData) say("web.signed_out"); else show("week");
