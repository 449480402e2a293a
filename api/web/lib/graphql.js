// A small GraphQL client for Dar's pages: queries and mutations over HTTP POST, subscriptions
// over one WebSocket speaking `graphql-transport-ws`, reconnected with back-off.

/** An error the API answered (or the network's failure), with the API's code and message. */
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** The first of a GraphQL answer's errors as an ApiError. */
export function firstError(errors) {
  const error = errors[0] || {};
  const code = (error.extensions && error.extensions.code) || "ERROR";
  return new ApiError(code, error.message || "");
}

const NETWORK = "NETWORK";

/** POST one operation to `/graphql`; its data, or an ApiError with the API's code. */
export async function request(query, variables = {}, token = null) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(NETWORK, String(error && error.message));
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP_${response.status}`, response.statusText);
  }
  if (body.errors && body.errors.length) throw firstError(body.errors);
  if (body.code) throw new ApiError(body.code, body.message || ""); // a refusal outside GraphQL
  if (!response.ok || !body.data) throw new ApiError(`HTTP_${response.status}`, response.statusText);
  return body.data;
}

/**
 * A mutation with a fresh command id (the idempotency key), sent again with the same key once
 * when the network failed: a lost answer to a committed command replays its first outcome.
 */
export async function mutate(query, input, token) {
  const variables = { input: { commandId: crypto.randomUUID(), ...input } };
  try {
    return await request(query, variables, token);
  } catch (error) {
    if (error.code !== NETWORK) throw error;
    return request(query, variables, token);
  }
}

const PROTOCOL = "graphql-transport-ws";
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];

/**
 * One WebSocket to `/graphql` for the page's subscriptions. `init` is the connection_init
 * payload (`{authorization: "Bearer …"}`, or `{}` for a public subscription). On a lost or
 * refused connection it reconnects after a growing delay and subscribes again.
 * `onStatus(state, detail)` hears "connecting", "live", "reconnecting" and "closed" (code, reason).
 */
export class LiveConnection {
  constructor(init, onStatus = () => {}) {
    this.init = init;
    this.onStatus = onStatus;
    this.subscriptions = new Map();
    this.nextId = 1;
    this.attempt = 0;
    this.socket = null;
    this.acknowledged = false;
    this.stopped = false;
  }

  /** Subscribe; `handlers.next(data)`, `handlers.error(apiError)`. Returns the unsubscribe. */
  subscribe(query, variables, handlers) {
    const id = String(this.nextId++);
    this.subscriptions.set(id, { query, variables, handlers });
    if (this.acknowledged) this.send({ id, type: "subscribe", payload: { query, variables } });
    else if (!this.socket) this.connect();
    return () => {
      if (this.subscriptions.delete(id) && this.acknowledged) this.send({ id, type: "complete" });
    };
  }

  /** Close for good. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/graphql`, PROTOCOL);
    this.socket = socket;
    this.acknowledged = false;
    this.onStatus(this.attempt ? "reconnecting" : "connecting");
    socket.onopen = () => this.send({ type: "connection_init", payload: this.init });
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = (event) => this.closed(socket, event);
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  receive(message) {
    const subscription = this.subscriptions.get(message.id);
    switch (message.type) {
      case "connection_ack":
        this.acknowledged = true;
        this.attempt = 0;
        this.onStatus("live");
        for (const [id, s] of this.subscriptions) {
          this.send({ id, type: "subscribe", payload: { query: s.query, variables: s.variables } });
        }
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        if (!subscription) break;
        if (message.payload.errors && message.payload.errors.length) {
          subscription.handlers.error(firstError(message.payload.errors));
        } else {
          subscription.handlers.next(message.payload.data);
        }
        break;
      case "error":
        if (!subscription) break;
        this.subscriptions.delete(message.id); // the server ended it: do not subscribe it again
        subscription.handlers.error(firstError(message.payload || []));
        break;
      case "complete":
        this.subscriptions.delete(message.id);
        break;
      default:
        break;
    }
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.acknowledged = false;
    if (event.code >= 4000) this.onStatus("closed", { code: event.code, reason: event.reason });
    if (this.stopped || this.subscriptions.size === 0) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.onStatus("reconnecting");
    this.timer = setTimeout(() => this.connect(), delay * (0.75 + Math.random() / 2));
  }
}
