// The volunteer's page, made for a phone: the week's sessions of the house's digital-inclusion
// room (`inclusionCalendar`), and on each session the volunteer's acts through Dar's own API:
// enrol a participant (anonymous with an age band and gender, a citizen by CIN, or one who came
// before by their participant number), record who came, record a milestone of autonomy. After
// each act the page reads the calendar again at the act's position, so it shows its own write.
// Nothing of a citizen comes back: a participant is a number, an age band and a gender.

import { mutate, request } from "./lib/graphql.js";
import { Page, element, params, takeToken } from "./lib/page.js";

const WEEK = `query Week($house: ID!, $from: Date!, $to: Date!, $p: Position) {
  inclusionCalendar(houseId: $house, from: $from, to: $to, atLeastPosition: $p) {
    id room topic format capacity startsAt endsAt volunteerCode volunteerName status enrolled
    fillRate attended volunteerMinutes
    participants { participantId known ageBand gender firstTime present milestones }
  }
}`;
const ENROL = `mutation Enrol($input: EnrollParticipantInput!) {
  enrollParticipant(input: $input) { participantId position } }`;
const ATTENDANCE = `mutation Attendance($input: RecordAttendanceInput!) {
  recordAttendance(input: $input) { position } }`;
const MILESTONE = `mutation Milestone($input: RecordMilestoneInput!) {
  recordMilestone(input: $input) { position } }`;
const AGE_BANDS = ["NOT_STATED", "UNDER_18", "FROM_18_TO_29", "FROM_30_TO_44", "FROM_45_TO_59", "FROM_60"];
const GENDERS = ["NOT_STATED", "FEMALE", "MALE"];
const MILESTONES = ["FIRST_ONLINE_PROCEDURE_ALONE", "FIRST_E_PAYMENT_ALONE", "MOBILE_ID_ACTIVATED"];
const DAY_MS = 86400000;

const token = takeToken();
const house = params.get("house") || "";
let monday = mondayOf(params.get("week"));
let sessions = null; // the API's last answer, or null after an error
let open = null; // the form shown: {session, kind} (kind: enrol, attendance, milestone)
const page = await Page.open(draw);

/** The Monday (ISO day) of the week holding `day` (YYYY-MM-DD; default: today in Tunis). */
function mondayOf(day) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Africa/Tunis" }).format(new Date());
  const chosen = /^\d{4}-\d{2}-\d{2}$/.test(day || "") ? day : today;
  const at = new Date(`${chosen}T00:00:00Z`);
  return shift(chosen, -((at.getUTCDay() + 6) % 7));
}

function shift(day, days) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Read the week's sessions (at least as recent as `position`), then draw them. */
async function refresh(position = null) {
  try {
    const data = await request(WEEK, { house, from: monday, to: shift(monday, 6), p: position }, token);
    sessions = data.inclusionCalendar;
    page.clear();
  } catch (error) {
    sessions = null;
    page.fail(error);
  }
  draw();
}

/** One of the volunteer's acts; the page then reads its own write. `after` gets the answer. */
async function act(button, query, input, after = () => {}) {
  button.disabled = true;
  try {
    const data = await mutate(query, input, token);
    const result = Object.values(data)[0];
    open = null;
    after(result);
    await refresh(result.position);
  } catch (error) {
    page.fail(error);
  } finally {
    button.disabled = false;
  }
}

function notify(text) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.hidden = !text;
}

// ---- drawing ----------------------------------------------------------------------------

function draw() {
  document.getElementById("week-of").textContent =
    page.t("volunteer.weekOf", { from: isolated(monday), to: isolated(shift(monday, 6)) });
  const box = document.getElementById("sessions");
  if (!sessions) {
    box.replaceChildren();
    return;
  }
  if (!sessions.length) {
    box.replaceChildren(element("p", { class: "meta", id: "no-session" }, page.t("volunteer.noSession")));
    return;
  }
  box.replaceChildren(...sessions.map(card));
}

/** An ISO day kept left to right inside Arabic text (a Unicode isolate). */
const isolated = (day) => `\u2066${page.num(day)}\u2069`;
const percent = (rate) => `${page.num(Math.round(rate * 100))} %`;

function card(session) {
  const day = new Intl.DateTimeFormat(page.language === "ar" ? "ar-TN" : "fr-TN", {
    weekday: "long", day: "numeric", month: "long", timeZone: "Africa/Tunis", numberingSystem: page.digits,
  }).format(new Date(session.startsAt));
  const facts = [
    page.t("volunteer.room", { room: session.room }),
    page.t(`format.${session.format}`),
    page.t("volunteer.places", { enrolled: session.enrolled, capacity: session.capacity }),
    page.t("volunteer.fill", { rate: percent(session.fillRate) }),
  ];
  if (session.status === "HELD") {
    facts.push(page.t("volunteer.present", { n: session.attended }));
    facts.push(page.t("volunteer.minutes", { n: session.volunteerMinutes }));
  }
  return element("article", { class: "session", "data-session": session.id, "data-status": session.status },
    element("header", {},
      element("h3", { class: "topic" }, page.t(`topic.${session.topic}`)),
      element("span", { class: `badge ${session.status.toLowerCase()}`, "data-field": "status" },
        page.t(`sessionStatus.${session.status}`))),
    element("p", { class: "when" }, `${day} · `,
      element("span", { dir: "ltr" }, `${page.time(session.startsAt)}–${page.time(session.endsAt)}`)),
    element("p", { class: "meta facts" }, ...facts.map((f, i) => element("span", { "data-fact": i }, f))),
    participants(session),
    actions(session),
    form(session));
}

function participants(session) {
  if (!session.participants.length) return null;
  return element("ol", { class: "participants", "aria-label": page.t("volunteer.participants") },
    ...session.participants.map((p, i) => {
      const notes = [page.t(`ageBand.${p.ageBand}`), page.t(`gender.${p.gender}`)];
      if (p.known) notes.push(page.t("volunteer.known"));
      if (p.firstTime) notes.push(page.t("volunteer.firstTime"));
      if (p.present === true) notes.push(page.t("volunteer.wasPresent"));
      notes.push(...p.milestones.map((m) => `✓ ${page.t(`milestone.${m}`)}`));
      return element("li", { "data-participant": p.participantId, "data-present": String(p.present) },
        element("strong", {}, page.t("volunteer.participant", { n: i + 1 })), " ",
        element("code", { class: "participant-id", dir: "ltr" }, p.participantId.slice(0, 8)),
        element("span", { class: "meta" }, ` · ${notes.join(" · ")}`));
    }));
}

function toggle(session, kind) {
  open = open && open.session === session.id && open.kind === kind ? null : { session: session.id, kind };
  notify("");
  draw();
}

function button(key, name, handler, primary = false) {
  const b = element("button", { type: "button", class: primary ? "action primary" : "action", "data-action": name },
    page.t(key));
  b.addEventListener("click", handler);
  return b;
}

function actions(session) {
  const buttons = [];
  if (session.status === "SCHEDULED") {
    if (session.enrolled < session.capacity) buttons.push(button("volunteer.enrol", "enrol", () => toggle(session, "enrol")));
    if (session.enrolled) buttons.push(button("volunteer.attendance", "attendance", () => toggle(session, "attendance")));
  }
  if (session.status === "HELD" && session.participants.some((p) => p.present)) {
    buttons.push(button("volunteer.milestone", "milestone", () => toggle(session, "milestone")));
  }
  return buttons.length ? element("div", { class: "actions" }, ...buttons) : null;
}

function form(session) {
  if (!open || open.session !== session.id) return null;
  if (open.kind === "enrol") return enrolForm(session);
  if (open.kind === "attendance") return attendanceForm(session);
  return milestoneForm(session);
}

function field(labelKey, control) {
  return element("label", { class: "field" }, element("span", {}, page.t(labelKey)), control);
}

function choices(name, values, prefix) {
  return element("select", { name }, ...values.map((v) => element("option", { value: v }, page.t(`${prefix}.${v}`))));
}

function enrolForm(session) {
  const kinds = ["anonymous", "byCin", "returning"];
  const kind = element("fieldset", { class: "kinds" }, ...kinds.map((k, i) => element("label", { class: "choice" },
    element("input", { type: "radio", name: "kind", value: k, checked: i === 0 }), page.t(`volunteer.${k}`))));
  const cin = field("volunteer.cin", element("input", { name: "cin", inputmode: "numeric", autocomplete: "off", dir: "ltr" }));
  // who came to the week's other sessions, offered by number: nobody types a whole id on a phone
  const seen = new Map(sessions.flatMap((other) => other.participants)
    .filter((p) => !session.participants.some((q) => q.participantId === p.participantId))
    .map((p) => [p.participantId, `${page.t(`ageBand.${p.ageBand}`)} · ${page.t(`gender.${p.gender}`)}`]));
  const list = element("datalist", { id: `seen-${session.id}` },
    ...[...seen].map(([id, label]) => element("option", { value: id }, label)));
  const returning = field("volunteer.participantId", element("input", { name: "participantId",
    autocomplete: "off", dir: "ltr", list: list.id }));
  returning.append(list);
  const submit = element("button", { type: "submit", class: "action primary" }, page.t("volunteer.enrolAction"));
  const box = element("form", { class: "panel", "data-form": "enrol" }, kind, cin, returning,
    field("volunteer.ageBand", choices("ageBand", AGE_BANDS, "ageBand")),
    field("volunteer.gender", choices("gender", GENDERS, "gender")), submit);
  const show = () => {
    const chosen = box.elements.namedItem("kind").value;
    cin.hidden = chosen !== "byCin";
    returning.hidden = chosen !== "returning";
  };
  kind.addEventListener("change", show);
  show();
  box.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new FormData(box);
    const chosen = values.get("kind");
    const input = { sessionId: session.id, ageBand: values.get("ageBand"), gender: values.get("gender") };
    if (chosen === "byCin") input.cin = String(values.get("cin")).trim();
    if (chosen === "returning") input.participantId = String(values.get("participantId")).trim();
    act(submit, ENROL, input, (result) => notify(page.t("volunteer.enrolled", { id: result.participantId })));
  });
  return box;
}

function attendanceForm(session) {
  const boxes = session.participants.map((p, i) => element("label", { class: "choice" },
    element("input", { type: "checkbox", name: "present", value: p.participantId, checked: true }),
    page.t("volunteer.participant", { n: i + 1 }), " ",
    element("span", { class: "meta" }, `${page.t(`ageBand.${p.ageBand}`)} · ${page.t(`gender.${p.gender}`)}`)));
  const minutes = element("input", { name: "minutes", type: "number", min: "1", max: "480", inputmode: "numeric", dir: "ltr" });
  const submit = element("button", { type: "submit", class: "action primary" }, page.t("volunteer.recordAttendance"));
  const box = element("form", { class: "panel", "data-form": "attendance" },
    element("fieldset", { class: "present" }, ...boxes), field("volunteer.minutesLabel", minutes), submit);
  box.addEventListener("submit", (event) => {
    event.preventDefault();
    const present = new FormData(box).getAll("present").map(String);
    const input = { sessionId: session.id, present };
    if (minutes.value) input.volunteerMinutes = Number(minutes.value);
    act(submit, ATTENDANCE, input, () => notify(page.t("volunteer.done")));
  });
  return box;
}

function milestoneForm(session) {
  const present = session.participants.filter((p) => p.present);
  const who = element("select", { name: "participant" }, ...present.map((p) => element("option", { value: p.participantId },
    `${page.t("volunteer.participant", { n: session.participants.indexOf(p) + 1 })} · ${p.participantId.slice(0, 8)}`)));
  const submit = element("button", { type: "submit", class: "action primary" }, page.t("volunteer.recordMilestone"));
  const box = element("form", { class: "panel", "data-form": "milestone" },
    field("volunteer.participants", who), field("volunteer.milestone", choices("milestone", MILESTONES, "milestone")), submit);
  box.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new FormData(box);
    const input = { houseId: house, participantId: values.get("participant"), milestone: values.get("milestone") };
    act(submit, MILESTONE, input, () => notify(page.t("volunteer.done")));
  });
  return box;
}

// ---- the week -----------------------------------------------------------------------------

function move(days) {
  monday = shift(monday, days);
  params.set("week", monday);
  history.replaceState(null, "", `${location.pathname}?${params}`);
  open = null;
  notify("");
  refresh();
}

document.getElementById("previous").addEventListener("click", () => move(-7));
document.getElementById("next").addEventListener("click", () => move(7));

await refresh();
