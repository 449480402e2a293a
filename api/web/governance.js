// The governance office's page: `serviceStatistics` by governorate and period (a table and a
// chart drawn here as plain SVG), the houses ranked, the digital-inclusion rooms' figures
// (`inclusionStatistics`, same days and periods; they know no partner), the filters, and the
// export buttons that download what `dar stats export` writes. No figure names a person: the
// API has none to give.

import { ApiError, request } from "./lib/graphql.js";
import { Page, element, params, takeToken } from "./lib/page.js";

const FIGURES = `fragment Figures on ServiceStatistics {
  groups {
    area { code nameAr nameFr } from to
    visits { visits served waits { count medianMinutes p90Minutes withinTargetShare } }
    requests { lodged }
    outcomes { onTheSpot forwarded redirected onTheSpotShare forwardedShare redirectedShare }
    money { net }
  }
}`;
const READ = `query Governance($filter: StatisticsFilterInput!, $days: StatisticsFilterInput!,
    $period: StatisticsPeriod!) {
  byGovernorate: serviceStatistics(filter: $filter, groupBy: GOVERNORATE, period: $period) {
    waitTargetMinutes ...Figures
  }
  byHouse: serviceStatistics(filter: $filter, groupBy: HOUSE, period: $period) { ...Figures }
  inclusion: inclusionStatistics(filter: $days, groupBy: GOVERNORATE, period: $period) {
    groups {
      area { code nameAr nameFr } from to
      sessions { scheduled held cancelled enrolled attended firstTimers heldCapacity heldEnrolled
        fillRate attendanceRate volunteerMinutes }
      milestones { reached }
    }
  }
} ${FIGURES}`;
const PARTNERS = `query { partners(first: 100) { code nameAr nameFr } }`;
const PERIODS = ["WEEK", "DAY", "MONTH"];
const DAY_MS = 86400000;
const SVG = "http://www.w3.org/2000/svg";

const token = takeToken();
let answer = null; // the API's last answer, or null after an error
let partners = [];
let asked = null; // the filter of that answer
const page = await Page.open(draw);

/** Today's date in Tunis (business days are Tunis days), as YYYY-MM-DD. */
function tunisToday() {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Africa/Tunis", year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The filter in the address, defaults filled: the last four weeks up to today (in Tunis). */
function fromAddress() {
  const today = tunisToday();
  const to = params.get("to") || today;
  const from = params.get("from") || new Date(Date.parse(to) - 27 * DAY_MS).toISOString().slice(0, 10);
  const period = PERIODS.includes(params.get("period")) ? params.get("period") : "WEEK";
  return { from, to, period, partner: params.get("partner") || "" };
}

function filterOf(wanted) {
  return { from: wanted.from, to: wanted.to, partnerCode: wanted.partner || null };
}

async function read(wanted) {
  asked = wanted;
  try {
    const days = { from: wanted.from, to: wanted.to };
    const data = await request(READ, { filter: filterOf(wanted), days, period: wanted.period }, token);
    answer = data;
    page.clear();
  } catch (error) {
    answer = null;
    page.fail(error);
  }
  draw();
}

// ---- numbers, as the API gave them -------------------------------------------------------

const n = (value) => (value === null || value === undefined ? page.t("unknown") : page.num(value));

/** A decimal with one digit after the point, the separator of the chosen digits. */
function decimal(value) {
  if (value === null || value === undefined) return page.t("unknown");
  const text = page.num(Number(value).toFixed(1));
  return page.digits === "arab" ? text.replace(".", "٫") : text;
}

const share = (value) => (value === null || value === undefined ? page.t("unknown") : `${decimal(value * 100)} %`);

/** Millimes of an amount of the Money scalar ("-12.500"). */
function millimes(amount) {
  const negative = amount.startsWith("-");
  const [whole, fraction = ""] = amount.replace("-", "").split(".");
  const value = Number(whole) * 1000 + Number(fraction.padEnd(3, "0").slice(0, 3));
  return negative ? -value : value;
}

function amount(total) {
  const sign = total < 0 ? "-" : "";
  const absolute = Math.abs(total);
  return `${sign}${Math.floor(absolute / 1000)}.${String(absolute % 1000).padStart(3, "0")}`;
}

const sum = (items, key) => items.reduce((total, item) => total + key(item), 0);
const lodged = (group) => sum(group.requests, (r) => r.lodged);
const net = (group) => sum(group.money, (m) => millimes(m.net));
const visitsOf = (group) => (group.visits ? group.visits.visits : null);
const areaName = (area) => (page.language === "ar" ? area.nameAr : area.nameFr);
const days = (group) => `${n(group.from)} – ${n(group.to)}`;

/** The chart's measure: visits, or requests lodged where a partner is chosen (no queue figures). */
function measure() {
  return asked && asked.partner ? "lodged" : "visits";
}

function measured(group) {
  return measure() === "visits" ? visitsOf(group) ?? 0 : lodged(group);
}

// ---- drawing ----------------------------------------------------------------------------

function draw() {
  drawFilters();
  const board = answer;
  document.getElementById("as-of").textContent =
    board ? page.t("governance.target", { n: board.byGovernorate.waitTargetMinutes }) : "";
  document.getElementById("h-chart").textContent = page.t(`governance.chart.${measure()}`);
  const governorates = board ? board.byGovernorate.groups : [];
  document.getElementById("totals").replaceChildren(...(board ? totals(governorates) : []));
  document.getElementById("chart").replaceChildren(...(board ? [chart(governorates)] : []));
  document.getElementById("governorates").replaceChildren(...(board ? [governorateTable(governorates)] : []));
  document.getElementById("ranking").replaceChildren(...(board ? [ranking(board.byHouse.groups)] : []));
  const inclusion = board ? board.inclusion.groups : [];
  document.getElementById("inclusion-totals").replaceChildren(...(board ? inclusionTotals(inclusion) : []));
  document.getElementById("inclusion").replaceChildren(...(board ? [inclusionTable(inclusion)] : []));
}

function drawFilters() {
  const wanted = asked || fromAddress();
  document.getElementById("from").value = wanted.from;
  document.getElementById("to").value = wanted.to;
  const period = document.getElementById("period");
  period.replaceChildren(...PERIODS.map((p) => element("option", { value: p, selected: p === wanted.period }, page.t(`governance.period.${p}`))));
  const partner = document.getElementById("partner");
  partner.replaceChildren(
    element("option", { value: "" }, page.t("governance.allPartners")),
    ...partners.map((p) => element("option", { value: p.code, selected: p.code === wanted.partner },
      `${p.code} · ${page.language === "ar" ? p.nameAr : p.nameFr}`)));
  partner.value = wanted.partner;
}

function totals(groups) {
  const counts = {
    visits: groups.every((g) => g.visits === null) ? null : sum(groups, (g) => visitsOf(g) ?? 0),
    lodged: sum(groups, lodged),
    onTheSpot: sum(groups, (g) => g.outcomes.onTheSpot),
    forwarded: sum(groups, (g) => g.outcomes.forwarded),
    redirected: sum(groups, (g) => g.outcomes.redirected),
  };
  const figures = Object.entries(counts).map(([key, value]) => element("div", { "data-figure": key },
    element("dt", {}, page.t(`governance.col.${key}`)), element("dd", {}, n(value))));
  figures.push(element("div", { "data-figure": "net" },
    element("dt", {}, page.t("governance.col.net")), element("dd", {}, page.money(amount(sum(groups, net))))));
  return figures;
}

/** A table of these columns (label keys) over rows; each row's cells drawn by `cells`. */
function table(columns, rows, cells, key) {
  if (!rows.length) return element("p", { class: "meta" }, page.t("empty"));
  return element("table", {},
    element("thead", {}, element("tr", {}, ...columns.map((c) => element("th", { scope: "col", "data-column": c }, page.t(`governance.col.${c}`))))),
    element("tbody", {}, ...rows.map((row) => element("tr", { "data-key": key(row) },
      ...cells(row).map((cell, i) => element("td", { "data-column": columns[i] }, String(cell)))))));
}

const GOVERNORATE_COLUMNS = ["area", "days", "visits", "served", "waitMedian", "waitP90", "withinTarget",
  "lodged", "onTheSpotShare", "forwardedShare", "redirectedShare", "net"];

function governorateTable(groups) {
  return table(GOVERNORATE_COLUMNS, groups, (g) => [
    areaName(g.area), days(g), n(visitsOf(g)), n(g.visits && g.visits.served),
    decimal(g.visits && g.visits.waits.medianMinutes), decimal(g.visits && g.visits.waits.p90Minutes),
    share(g.visits && g.visits.waits.withinTargetShare), n(lodged(g)),
    share(g.outcomes.onTheSpotShare), share(g.outcomes.forwardedShare), share(g.outcomes.redirectedShare),
    page.money(amount(net(g))),
  ], (g) => `${g.area.code}/${g.from}`);
}

/** The houses over the whole range (their periods' counts added), most visits first. */
function ranking(groups) {
  const houses = new Map();
  for (const g of groups) {
    const house = houses.get(g.area.code) || { area: g.area, visits: null, served: null, lodged: 0,
      onTheSpot: 0, outcomes: 0, net: 0 };
    if (g.visits) {
      house.visits = (house.visits ?? 0) + g.visits.visits;
      house.served = (house.served ?? 0) + g.visits.served;
    }
    house.lodged += lodged(g);
    house.onTheSpot += g.outcomes.onTheSpot;
    house.outcomes += g.outcomes.onTheSpot + g.outcomes.forwarded + g.outcomes.redirected;
    house.net += net(g);
    houses.set(g.area.code, house);
  }
  const key = measure() === "visits" ? (h) => h.visits ?? 0 : (h) => h.lodged;
  const ranked = [...houses.values()].sort((a, b) => key(b) - key(a) || a.area.code.localeCompare(b.area.code));
  return table(["rank", "house", "visits", "served", "lodged", "onTheSpotShare", "net"], ranked, (h) => [
    n(ranked.indexOf(h) + 1), areaName(h.area), n(h.visits), n(h.served), n(h.lodged),
    share(h.outcomes ? h.onTheSpot / h.outcomes : null), page.money(amount(h.net)),
  ], (h) => h.area.code);
}

// ---- the digital-inclusion rooms ---------------------------------------------------------

const reached = (group) => sum(group.milestones, (m) => m.reached);
const hours = (minutes) => decimal(minutes / 60);

/** The period's inclusion figures over every governorate: sums, and the rates of the sums. */
function inclusionTotals(groups) {
  const s = (key) => sum(groups, (g) => g.sessions[key]);
  const capacity = s("heldCapacity");
  const figures = {
    held: n(s("held")), attended: n(s("attended")), firstTimers: n(s("firstTimers")),
    milestones: n(sum(groups, reached)), volunteerHours: hours(s("volunteerMinutes")),
    fillRate: share(capacity ? s("heldEnrolled") / capacity : null),
  };
  return Object.entries(figures).map(([key, value]) => element("div", { "data-figure": key },
    element("dt", {}, page.t(`governance.col.${key}`)), element("dd", {}, value)));
}

const INCLUSION_COLUMNS = ["area", "days", "scheduled", "held", "cancelled", "enrolled", "attended",
  "firstTimers", "fillRate", "attendanceRate", "volunteerHours", "milestones"];

function inclusionTable(groups) {
  return table(INCLUSION_COLUMNS, groups, (g) => [
    areaName(g.area), days(g), n(g.sessions.scheduled), n(g.sessions.held), n(g.sessions.cancelled),
    n(g.sessions.enrolled), n(g.sessions.attended), n(g.sessions.firstTimers),
    share(g.sessions.fillRate), share(g.sessions.attendanceRate), hours(g.sessions.volunteerMinutes),
    n(reached(g)),
  ], (g) => `${g.area.code}/${g.from}`);
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** One line per governorate over the periods; each point carries its figure (data-value). */
function chart(groups) {
  if (!groups.length) return element("p", { class: "meta" }, page.t("empty"));
  const periods = [...new Set(groups.map((g) => g.from))].sort();
  const areas = [...new Map(groups.map((g) => [g.area.code, g.area])).values()];
  const step = Math.max(1, Math.ceil(Math.max(...groups.map(measured)) / 4)); // whole ticks
  const top = step * 4;
  const [width, height, left, right, upper, lower] = [720, 280, 48, 16, 16, 40];
  const x = (i) => left + (periods.length === 1 ? (width - left - right) / 2 : (i * (width - left - right)) / (periods.length - 1));
  const y = (value) => height - lower - (value * (height - upper - lower)) / top;
  const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "h-chart", direction: "ltr" });
  for (let value = 0; value <= top; value += step) {
    drawing.append(svg("line", { class: "grid", x1: left, x2: width - right, y1: y(value), y2: y(value) }),
      svg("text", { class: "tick", x: left - 6, y: y(value) + 4, "text-anchor": "end" }, page.num(value)));
  }
  periods.forEach((from, i) => drawing.append(
    svg("text", { class: "tick", x: x(i), y: height - lower + 18, "text-anchor": "middle" }, page.num(from.slice(5)))));
  const legend = element("ul", { class: "legend" });
  areas.forEach((area, index) => {
    const series = `series-${index % 6}`;
    const points = periods.map((from, i) => {
      const group = groups.find((g) => g.area.code === area.code && g.from === from);
      return { i, from, value: group ? measured(group) : 0 };
    });
    drawing.append(svg("polyline", { class: `line ${series}`, points: points.map((p) => `${x(p.i)},${y(p.value)}`).join(" ") }));
    for (const p of points) {
      drawing.append(svg("circle", { class: `point ${series}`, cx: x(p.i), cy: y(p.value), r: 4,
        "data-area": area.code, "data-from": p.from, "data-value": p.value },
      svg("title", {}, `${areaName(area)} · ${page.num(p.from)} · ${page.num(p.value)}`)));
    }
    legend.append(element("li", { "data-area": area.code }, element("span", { class: `swatch ${series}` }), areaName(area)));
  });
  const figure = element("figure", {}, drawing, legend);
  return figure;
}

// ---- filters and exports ----------------------------------------------------------------

function wantedInForm() {
  return {
    from: document.getElementById("from").value,
    to: document.getElementById("to").value,
    period: document.getElementById("period").value,
    partner: document.getElementById("partner").value,
  };
}

document.getElementById("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  const wanted = wantedInForm();
  for (const [name, value] of Object.entries(wanted)) {
    if (value) params.set(name, value);
    else params.delete(name);
  }
  history.replaceState(null, "", `${location.pathname}?${params}`);
  read(wanted);
});

/** Download the export of the shown filter (by governorate and period), as `dar stats export`. */
async function download(format) {
  const wanted = asked || wantedInForm();
  const query = new URLSearchParams({ from: wanted.from, to: wanted.to, groupBy: "governorate",
    period: wanted.period.toLowerCase(), format });
  if (wanted.partner) query.set("partner", wanted.partner);
  try {
    let response;
    try {
      response = await fetch(`/statistics/export?${query}`, {
        headers: { authorization: `Bearer ${token}` }, credentials: "omit", cache: "no-store" });
    } catch (error) {
      throw new ApiError("NETWORK", String(error && error.message));
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new ApiError(body.code || `HTTP_${response.status}`, body.message || response.statusText);
    }
    const disposition = response.headers.get("content-disposition") || "";
    const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || `dar-statistics.${format}`;
    const link = element("a", { href: URL.createObjectURL(await response.blob()), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (error) {
    page.fail(error);
  }
}

document.getElementById("export-csv").addEventListener("click", () => download("csv"));
document.getElementById("export-xlsx").addEventListener("click", () => download("xlsx"));

try {
  partners = (await request(PARTNERS, {}, token)).partners;
} catch {
  partners = []; // the figures' own answer shows the error, if any
}
await read(fromAddress());
