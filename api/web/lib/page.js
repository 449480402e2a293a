// What every page shares: its parameters, the token, the translation tables, the language and
// digits switches, the error banner and the formatting of numbers, times and money.

const TOKEN_KEY = "dar.token";
const LANGUAGES = { ar: "rtl", fr: "ltr" };
const DIGITS = ["latn", "arab"];
const ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩";
const assets = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The page's token: from a `#token=` fragment (kept in session storage, fragment removed). */
export function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get("token");
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The page's query parameters. */
export const params = new URLSearchParams(location.search);

function choice(name, allowed, fallback) {
  const value = params.get(name);
  return allowed.includes(value) ? value : fallback;
}

/** The language, digits and texts of the page; `onChange` redraws it after a switch. */
export class Page {
  constructor(tables, onChange) {
    this.tables = tables;
    this.onChange = onChange;
    this.language = choice("lang", Object.keys(LANGUAGES), "ar");
    this.digits = choice("digits", DIGITS, "latn"); // Dar stores no house choice yet
    this.banner = document.getElementById("banner");
    this.status = document.getElementById("status");
    this.state = null;
  }

  /** Load both translation tables, draw the switches and the static labels. */
  static async open(onChange) {
    const tables = {};
    for (const language of Object.keys(LANGUAGES)) {
      const response = await fetch(`${assets}/i18n/${language}.json`);
      tables[language] = await response.json();
    }
    const page = new Page(tables, onChange);
    page.apply();
    return page;
  }

  /** A label of the current language, `{name}` placeholders filled, digits as chosen. */
  t(key, values = {}) {
    const text = this.tables[this.language][key] ?? key;
    return this.num(text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? "")));
  }

  /** Digits of a text (a number, a ticket label) in the chosen system. */
  num(value) {
    const text = String(value);
    if (this.digits === "latn") return text;
    return text.replace(/[0-9]/g, (d) => ARABIC_INDIC[Number(d)]);
  }

  /** Whole minutes of a duration in seconds. */
  minutes(seconds) {
    if (seconds === null || seconds === undefined) return this.t("unknown");
    return this.t("unit.minutes", { n: Math.floor(seconds / 60) });
  }

  /** The Tunis time of day of an ISO instant. */
  time(iso) {
    if (!iso) return this.t("unknown");
    const locale = this.language === "ar" ? "ar-TN" : "fr-TN";
    const format = new Intl.DateTimeFormat(locale, {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Africa/Tunis",
      numberingSystem: this.digits,
    });
    return format.format(new Date(iso));
  }

  /** An amount of the Money scalar ("12.500") in dinars. */
  money(amount) {
    const text = this.digits === "arab" ? this.num(amount).replace(".", "٫") : amount;
    return `${text} ${this.t("currency")}`;
  }

  /** Set `lang`/`dir`, the static labels (`data-t`) and the switches. */
  apply() {
    const root = document.documentElement;
    root.lang = this.language;
    root.dir = LANGUAGES[this.language];
    for (const element of document.querySelectorAll("[data-t]")) {
      element.textContent = this.t(element.dataset.t);
    }
    this.drawSwitches();
    this.showStatus(this.state);
  }

  drawSwitches() {
    const bar = document.getElementById("switches");
    bar.replaceChildren(
      this.switchGroup("language.switch", Object.keys(LANGUAGES), this.language,
        (l) => this.tables[l]["language.name"], (l) => this.set("lang", l)),
      this.switchGroup("digits.switch", DIGITS, this.digits,
        (d) => this.tables[this.language][`digits.${d}`], (d) => this.set("digits", d)),
    );
  }

  switchGroup(labelKey, values, current, label, choose) {
    const group = element("div", { class: "switch", role: "group", "aria-label": this.t(labelKey) });
    for (const value of values) {
      const button = element("button", {
        type: "button", "data-value": value, "aria-pressed": String(value === current),
      }, label(value));
      if (value === "ar" || value === "fr") button.lang = value;
      button.addEventListener("click", () => choose(value));
      group.append(button);
    }
    return group;
  }

  /** Switch the language or digits: the address keeps the choice; the page redraws. */
  set(name, value) {
    params.set(name, value);
    history.replaceState(null, "", `${location.pathname}?${params}`);
    if (name === "lang") this.language = value;
    else this.digits = value;
    this.apply();
    this.onChange();
  }

  /** Show the API's error code and message; nothing else. */
  fail(error) {
    const code = error.code || "ERROR";
    const message = code === "NETWORK" ? this.t("error.network") : error.message;
    this.banner.replaceChildren(
      element("strong", { class: "code", dir: "ltr" }, code), " ", element("span", { dir: "auto" }, message));
    this.banner.hidden = false;
  }

  /** Hide the error banner. */
  clear() {
    this.banner.hidden = true;
    this.banner.replaceChildren();
  }

  /** The live connection's state, shown discreetly. */
  showStatus(state) {
    this.state = state;
    if (!this.status) return;
    this.status.textContent = state ? this.t(`status.${state}`) : "";
    this.status.dataset.state = state || "";
  }
}

/** A new element with attributes and children (text is set as text, never as HTML). */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}
