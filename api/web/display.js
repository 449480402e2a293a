// The waiting-room display: the tickets called to a counter, newest first, in large type, pushed
// by the public `calledTickets` subscription. No token: it shows only what anyone may see.

import { LiveConnection } from "./lib/graphql.js";
import { Page, element, params } from "./lib/page.js";

const CALLED = `subscription Called($house: ID!) {
  calledTickets(houseId: $house) { houseId position tickets { label counter calledAt } }
}`;

const house = params.get("house") || "";
let called = null; // the last list the API pushed
const page = await Page.open(draw);

function draw() {
  const latest = document.getElementById("latest");
  const list = document.getElementById("called");
  latest.hidden = !called;
  if (!called) {
    latest.replaceChildren();
    list.replaceChildren();
    return;
  }
  const [first, ...rest] = called.tickets;
  latest.replaceChildren(...(first ? ticket(first, "span") : [element("span", { class: "counter" }, page.t("display.none"))]));
  latest.dataset.ticket = first ? first.label : "";
  list.replaceChildren(...rest.map((t) => element("li", { "data-ticket": t.label }, ...ticket(t, "span"))));
}

function ticket(t, tag) {
  return [
    element(tag, { class: "label" }, page.num(t.label)),
    element(tag, { class: "counter" }, page.t("display.counter", { n: t.counter })),
  ];
}

const RETRY_MS = 30000; // a screen on a wall recovers by itself (e.g. once a seat frees)
const live = new LiveConnection({}, (state, detail) => {
  if (state === "closed") page.fail({ code: String(detail.code), message: detail.reason });
  else page.showStatus(state);
});

function follow() {
  live.subscribe(CALLED, { house }, {
    next: (data) => {
      called = data.calledTickets;
      page.clear();
      draw();
    },
    error: (error) => {
      page.fail(error);
      setTimeout(follow, RETRY_MS);
    },
  });
}
follow();
