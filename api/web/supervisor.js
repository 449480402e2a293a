// The supervisor's dashboard: everything the house's counter dashboard holds, pushed by the
// `counterDashboard` subscription after each change; refunds awaiting approval can be approved.

import { LiveConnection, mutate, request } from "./lib/graphql.js";
import { Page, element, params, takeToken } from "./lib/page.js";

const BOARD = `fragment Board on CounterDashboard {
  houseId businessDate asOf position
  lines { prefix name waiting longestWaitSeconds openCounters averageHandlingSeconds estimatedWaitSeconds }
  counters { number agentId agentName currentTicket calledAt }
  today { visits contacts requestsOnTheSpot requestsForwarded requestsRefused noShows }
  collected { partnerCode method amount payments }
  refundsAwaitingApproval { paymentId refundId partnerCode amount requestedAt }
  overdueAtPartners { requestId partnerCode serviceCode deadline workingDaysOverdue }
  expiring { kind partnerCode agentId validUntil daysLeft }
  agents { agentId agentName visitsServed averageHandlingSeconds contacts requests }
}`;
const READ = `query Board($house: ID!, $p: Position) {
  house(id: $house) { nameAr nameFr }
  counterDashboard(houseId: $house, atLeastPosition: $p) { ...Board }
} ${BOARD}`;
const LIVE = `subscription Board($house: ID!) { counterDashboard(houseId: $house) { ...Board } } ${BOARD}`;
const APPROVE = `mutation Approve($input: ApproveRefundInput!) { approveRefund(input: $input) { position } }`;
const TODAY = ["visits", "contacts", "requestsOnTheSpot", "requestsForwarded", "requestsRefused", "noShows"];

const token = takeToken();
const house = params.get("house") || "";
let names = null;
let board = null; // the last dashboard the API answered, or null after an error
const page = await Page.open(draw);

/** Keep a dashboard only if it is newer than the one shown (pushes and reads may cross). */
function show(dashboard) {
  if (!board || Number(dashboard.position) >= Number(board.position)) board = dashboard;
  page.clear();
  draw();
}

async function read(position = null) {
  try {
    const data = await request(READ, { house, p: position }, token);
    names = data.house;
    show(data.counterDashboard);
    return true;
  } catch (error) {
    board = null;
    page.fail(error);
    draw();
    return false;
  }
}

async function approve(button, refund) {
  button.disabled = true;
  try {
    const data = await mutate(APPROVE, { paymentId: refund.paymentId, refundId: refund.refundId }, token);
    await read(data.approveRefund.position);
  } catch (error) {
    page.fail(error);
    button.disabled = false;
  }
}

function draw() {
  const name = names ? (page.language === "ar" ? names.nameAr : names.nameFr) : "";
  document.getElementById("title").textContent =
    [page.t("supervisor.title"), name].filter(Boolean).join(" · ");
  document.getElementById("as-of").textContent =
    board ? page.t("supervisor.asOf", { t: page.time(board.asOf) }) : "";
  const figures = board ? TODAY.map((key) => element("div", { "data-figure": key },
    element("dt", {}, page.t(`today.${key}`)), element("dd", {}, page.num(board.today[key])))) : [];
  document.getElementById("today").replaceChildren(...figures);
  for (const [id, drawTable] of Object.entries(TABLES)) {
    document.getElementById(id).replaceChildren(...(board ? [drawTable()] : []));
  }
}

/** A table of these columns (label keys) over rows; each row's cells drawn by `cells`. */
function table(columns, rows, cells, key = () => null) {
  if (!rows.length) return element("p", { class: "meta" }, page.t("empty"));
  return element("table", {},
    element("thead", {}, element("tr", {}, ...columns.map((c) => element("th", { scope: "col" }, page.t(c))))),
    element("tbody", {}, ...rows.map((row) => element("tr", { "data-key": key(row) },
      ...cells(row).map((cell) => (cell instanceof Node ? element("td", {}, cell) : element("td", {}, String(cell))))))));
}

const n = (value) => page.num(value);
const TABLES = {
  lines: () => table(
    ["col.line", "col.name", "col.waiting", "col.longestWait", "col.openCounters", "col.averageHandling", "col.estimatedWait"],
    board.lines,
    (l) => [l.prefix, l.name, n(l.waiting), page.minutes(l.longestWaitSeconds), n(l.openCounters),
      page.minutes(l.averageHandlingSeconds), page.minutes(l.estimatedWaitSeconds)],
    (l) => l.prefix),
  counters: () => table(
    ["col.counter", "col.agent", "col.currentTicket", "col.calledAt"],
    board.counters,
    (c) => [n(c.number), c.agentName ?? c.agentId ?? page.t("unknown"),
      c.currentTicket ? n(c.currentTicket) : page.t("unknown"), c.calledAt ? page.time(c.calledAt) : page.t("unknown")],
    (c) => String(c.number)),
  refunds: () => table(
    ["col.partner", "col.amount", "col.requestedAt", "supervisor.approve"],
    board.refundsAwaitingApproval,
    (r) => [r.partnerCode, page.money(r.amount), page.time(r.requestedAt), approveButton(r)],
    (r) => `${r.paymentId}/${r.refundId}`),
  collected: () => table(
    ["col.partner", "col.method", "col.amount", "col.payments"],
    board.collected,
    (c) => [c.partnerCode, page.t(`method.${c.method}`), page.money(c.amount), n(c.payments)]),
  overdue: () => table(
    ["col.partner", "col.service", "col.deadline", "col.daysOverdue"],
    board.overdueAtPartners,
    (o) => [o.partnerCode, o.serviceCode, n(o.deadline), n(o.workingDaysOverdue)],
    (o) => o.requestId),
  expiring: () => table(
    ["col.kind", "col.partner", "col.agent", "col.validUntil", "col.daysLeft"],
    board.expiring,
    (e) => [page.t(`kind.${e.kind}`), e.partnerCode, e.agentId ?? page.t("unknown"), n(e.validUntil), n(e.daysLeft)]),
  agents: () => table(
    ["col.agent", "col.visitsServed", "col.averageHandling", "col.contacts", "col.requests"],
    board.agents,
    (a) => [a.agentName ?? a.agentId, n(a.visitsServed), page.minutes(a.averageHandlingSeconds), n(a.contacts), n(a.requests)],
    (a) => a.agentId),
};

function approveButton(refund) {
  const button = element("button", { type: "button", class: "action primary" }, page.t("supervisor.approve"));
  button.addEventListener("click", () => approve(button, refund));
  return button;
}

if (await read()) {
  const live = new LiveConnection({ authorization: `Bearer ${token}` }, (state, detail) => {
    if (state === "closed") page.fail({ code: String(detail.code), message: detail.reason });
    else page.showStatus(state);
  });
  live.subscribe(LIVE, { house }, { next: (data) => show(data.counterDashboard), error: (e) => page.fail(e) });
}
