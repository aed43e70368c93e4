// The public API, as the console calls it: the key from this browser, errors as messages,
// and job event streams that survive a dropped connection or a gateway restart.

const KEY = "actormaker.api_key";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export const apiKey = {
  get: () => localStorage.getItem(KEY) || "",
  set: (value) => (value ? localStorage.setItem(KEY, value) : localStorage.removeItem(KEY)),
};

function describe(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail.map((problem) => `${problem.loc.slice(1).join(".") || "body"}: ${problem.msg}`).join("; ");
  }
  if (typeof detail === "string") return detail;
  return `the gateway answered ${status}`;
}

export async function api(path, { method = "GET", json, form, headers = {} } = {}) {
  const sent = { ...headers };
  const key = apiKey.get();
  if (key) sent.Authorization = `Bearer ${key}`;
  let body;
  if (json !== undefined) {
    sent["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  const answer = await fetch(path, { method, headers: sent, body });
  if (answer.status === 204) return null;
  const type = answer.headers.get("content-type") || "";
  const parsed = type.includes("json") ? await answer.json() : await answer.text();
  if (!answer.ok) {
    if (answer.status === 401) document.dispatchEvent(new CustomEvent("needs-key"));
    throw new ApiError(answer.status, describe(answer.status, parsed), parsed);
  }
  return parsed;
}

export const EVENT_TYPES = [
  "job.accepted", "job.cancel_requested", "job.finished",
  "item.started", "item.progress", "item.warning", "item.retrying",
  "item.succeeded", "item.failed", "item.cancelled",
];

// Follows an event stream; a job's stream ends with job.finished, the all-jobs one never does.
// EventSource itself reconnects with Last-Event-ID after a drop; when it gives up (the gateway
// answered with an error while it restarted), a new one starts after the last event seen, so
// nothing is missed or repeated.
export function follow(url, onEvent, { onState = () => {}, endsWithJob = true } = {}) {
  let lastId = null;
  let source = null;
  let closed = false;
  let retry = null;

  const stop = () => {
    closed = true;
    clearTimeout(retry);
    if (source) source.close();
    onState("closed");
  };

  const receive = (type, message) => {
    lastId = message.lastEventId || lastId;
    onEvent(type, JSON.parse(message.data));
    if (endsWithJob && type === "job.finished") stop();
  };

  const open = () => {
    const address = new URL(url, location.href);
    const key = apiKey.get();
    if (key) address.searchParams.set("access_token", key);
    if (lastId !== null) address.searchParams.set("last_event_id", lastId);
    source = new EventSource(address);
    source.onopen = () => onState("live");
    source.onerror = () => {
      if (closed) return;
      onState("reconnecting");
      if (source.readyState === EventSource.CLOSED) retry = setTimeout(open, 1000);
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => receive(type, message));
    }
  };

  open();
  return stop;
}

export function jsonOf(record) {
  return JSON.stringify(record, null, 2);
}
