// Launch data and the JSON API. Telegram's script gives initData when it loaded; otherwise
// the launch parameters Telegram puts in the URL fragment are read directly.
const fragment = new URLSearchParams(location.hash.slice(1));
const telegram = window.Telegram && window.Telegram.WebApp;

export const initData = (telegram && telegram.initData) || fragment.get("tgWebAppData") || "";

// Whose taps a pending offline queue holds (a shared phone keeps each runner's apart).
export const runnerKey = (() => {
  try { return String(JSON.parse(new URLSearchParams(initData).get("user") || "{}").id ?? ""); } catch { return ""; }
})();

export const labels = JSON.parse(document.body.dataset.labels || "{}");

export function label(key, values = {}) {
  const text = labels[key] || "";
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export class ApiError extends Error {
  constructor(status, code) { super(code); this.status = status; this.code = code; }
}

export async function api(path, body) {
  const options = { headers: { Authorization: `tma ${initData}` } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/${path}`, options);
  } catch (error) {
    throw new ApiError(0, "offline");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.error || "error");
  return data;
}

// Telegram's themeParams (from its script or the fragment) as the CSS variables app.css reads.
export function applyTheme() {
  let theme = telegram && telegram.themeParams;
  if (!theme || !Object.keys(theme).length) {
    try { theme = JSON.parse(fragment.get("tgWebAppThemeParams") || "{}"); } catch { theme = {}; }
  }
  for (const [name, value] of Object.entries(theme)) {
    if (/^#[0-9a-f]{3,8}$/i.test(String(value))) {
      document.documentElement.style.setProperty(`--tg-theme-${name.replace(/_/g, "-")}`, value);
    }
  }
  if (telegram) { telegram.ready(); telegram.expand(); }
}

// A clear signal at each change of the timer: Telegram's haptics, else a vibration.
export function signal(strong) {
  const haptic = telegram && telegram.HapticFeedback;
  if (haptic) {
    if (strong) haptic.notificationOccurred("success"); else haptic.selectionChanged();
  } else if (navigator.vibrate) {
    navigator.vibrate(strong ? 250 : 40);
  }
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (name === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}
