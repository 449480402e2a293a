// The counter page: an agent's counter, its current ticket, the queue of its lines; call the
// next ticket, end the visit. Live: the house's dashboard subscription says when to read again
// (every few seconds instead while that subscription is not available).

import { LiveConnection, mutate, request } from "./lib/graphql.js";
import { Page, element, params, takeToken } from "./lib/page.js";

const POLL_MS = 3000;
const READ = `query Counter($house: ID!, $p: Position) {
  house(id: $house) { nameAr nameFr counters { number agentId } lines { prefix name } }
  queue(houseId: $house, atLeastPosition: $p) {
    lines { line longestWaitSeconds waiting { ticket priority forCounter waitingSeconds } }
    serving { ticket counter calledAt }
  }
}`;
const CHANGED = `subscription Changed($house: ID!) { counterDashboard(houseId: $house) { position } }`;
const CALL = `mutation Call($input: CallNextTicketInput!) { callNextTicket(input: $input) { ticket position } }`;
const END = `mutation End($input: EndVisitInput!) { endVisit(input: $input) { ticket position } }`;
const OPEN = `mutation Open($input: OpenCounterInput!) { openCounter(input: $input) { position } }`;

const token = takeToken();
const house = params.get("house") || "";
const counter = Number(params.get("counter"));
const chosenLines = (params.get("lines") || "").split(",").filter(Boolean);
let shown = null; // the last answer of the API, or null after an error
let polling = null;
let reading = Promise.resolve();
const page = await Page.open(draw);

/** Read the counter and its queue (at least as recent as `position`), then draw them. */
function refresh(position = null) {
  reading = reading.then(async () => {
    try {
      shown = await request(READ, { house, p: position }, token);
      page.clear();
    } catch (error) {
      shown = null;
      page.fail(error);
    }
    draw();
  });
  return reading;
}

/** Run one of the counter's commands; the page then reads its own write. */
async function act(button, query, input) {
  button.disabled = true;
  try {
    const data = await mutate(query, { houseId: house, ...input }, token);
    const result = Object.values(data)[0];
    await refresh(result.position);
  } catch (error) {
    page.fail(error);
  } finally {
    button.disabled = false;
    draw();
  }
}

function draw() {
  const data = shown && shown.house && shown.queue ? shown : null;
  const name = data ? (page.language === "ar" ? data.house.nameAr : data.house.nameFr) : "";
  document.getElementById("title").textContent =
    [page.t("counter.title", { n: counter }), name].filter(Boolean).join(" · ");
  drawCurrent(data);
  drawLines(data);
}

function drawCurrent(data) {
  const current = data ? data.queue.serving.find((s) => s.counter === counter) : null;
  const label = document.getElementById("current");
  label.textContent = current ? page.num(current.ticket) : page.t("counter.none");
  label.dataset.ticket = current ? current.ticket : "";
  document.getElementById("called-at").textContent =
    current ? page.t("counter.calledAt", { t: page.time(current.calledAt) }) : "";
  const desk = data ? data.house.counters.find((c) => c.number === counter) : null;
  document.getElementById("open").hidden = !desk || desk.agentId !== null;
  document.getElementById("call").disabled = !data;
  document.getElementById("end").disabled = !current;
}

function drawLines(data) {
  const box = document.getElementById("lines");
  if (!data) {
    box.replaceChildren();
    return;
  }
  const waiting = new Map(data.queue.lines.map((l) => [l.line, l]));
  const lines = data.house.lines.filter((l) => !chosenLines.length || chosenLines.includes(l.prefix));
  box.replaceChildren(...lines.map((line) => drawLine(line, waiting.get(line.prefix))));
}

function drawLine(line, queue) {
  const tickets = queue ? queue.waiting.filter((w) => w.forCounter === null || w.forCounter === counter) : [];
  const summary = tickets.length
    ? `${page.t("counter.waiting", { n: tickets.length })} · ${page.t("counter.longest", { d: page.minutes(queue.longestWaitSeconds) })}`
    : page.t("counter.nobody");
  return element("article", { class: "line", "data-line": line.prefix },
    element("h3", {}, `${line.prefix} · ${line.name}`),
    element("p", { class: "meta" }, summary),
    element("ol", { class: "tickets" }, ...tickets.map(drawTicket)));
}

function drawTicket(ticket) {
  const notes = [page.t("counter.waited", { d: page.minutes(ticket.waitingSeconds) })];
  if (ticket.priority) notes.push(page.t(`priority.${ticket.priority}`));
  if (ticket.forCounter === counter) notes.push(page.t("counter.forThisCounter"));
  return element("li", { class: ticket.priority ? "ticket priority" : "ticket", "data-ticket": ticket.ticket },
    element("span", { class: "label" }, page.num(ticket.ticket)),
    element("span", { class: "meta" }, notes.join(" · ")));
}

function poll(on) {
  if (on && !polling) polling = setInterval(() => refresh(), POLL_MS);
  if (!on && polling) polling = clearInterval(polling) || null;
}

document.getElementById("call").addEventListener("click", (event) =>
  act(event.currentTarget, CALL, { counter, lines: chosenLines.length ? chosenLines : null }));
document.getElementById("end").addEventListener("click", (event) =>
  act(event.currentTarget, END, { ticket: document.getElementById("current").dataset.ticket }));
document.getElementById("open").addEventListener("click", (event) =>
  act(event.currentTarget, OPEN, { number: counter }));

await refresh();
if (shown) {
  const live = new LiveConnection({ authorization: `Bearer ${token}` }, (state) => {
    if (state !== "live") poll(true); // while disconnected, read every few seconds
    page.showStatus(polling ? "polling" : state === "closed" ? "reconnecting" : state);
  });
  live.subscribe(CHANGED, { house }, {
    next: (data) => {
      poll(false);
      page.showStatus("live");
      refresh(data.counterDashboard.position);
    },
    error: () => {
      poll(true); // the house's dashboard is not pushed here: read every few seconds
      page.showStatus("polling");
    },
  });
}
