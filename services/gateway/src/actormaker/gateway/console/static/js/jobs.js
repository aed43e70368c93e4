// Jobs: a live progress panel for one job (used by every screen that starts one), the live list
// of all jobs, and a job's page with its items, cancel and retry.

import { api, follow } from "./api.js";
import { guarded, h, mount, toast, when } from "./dom.js";

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

// A job's progress bar, counts and Abort button, kept live from its event stream.
// `onFinished(job)` gets the job as the API reports it once the stream has ended.
export function jobPanel(accepted, { title, onFinished = () => {}, onItem = () => {} }) {
  const items = new Map();
  const bar = h("progress", { max: 1, value: 0, "aria-label": `${title} progress` });
  const counts = h("span", { class: "counts" }, "queued");
  const state = h("span", { class: "live-state" });
  const abort = h("button", { type: "button", class: "danger" }, "Abort");
  const panel = h(
    "section",
    { class: "job-panel", "aria-label": title, dataset: { jobId: accepted.job_id } },
    h("h3", {}, title, " ", h("a", { href: `#/jobs/${accepted.job_id}` }, "job")),
    bar, counts, state, abort,
  );
  let total = 0;

  const render = () => {
    const done = [...items.values()].filter((status) => FINAL.has(status)).length;
    const tally = (status) => [...items.values()].filter((s) => s === status).length;
    bar.max = Math.max(total, 1);
    bar.value = done;
    counts.textContent =
      `${done} / ${total} done: ${tally("succeeded")} succeeded, ${tally("failed")} failed, ` +
      `${tally("cancelled")} cancelled`;
  };

  abort.addEventListener("click", () =>
    guarded(abort, async () => {
      await api(`/api/jobs/${accepted.job_id}/cancel`, { method: "POST" });
      toast(`${title}: abort requested`);
    }),
  );

  api(accepted.status_url).then((job) => {
    total = job.counts.total;
    for (const item of job.items) if (!items.has(item.id)) items.set(item.id, item.status);
    render();
  });

  follow(
    accepted.events_url,
    async (type, event) => {
      if (event.item_id) {
        const status = type.replace("item.", "");
        const known = items.get(event.item_id);
        items.set(event.item_id, FINAL.has(status) ? status : known && FINAL.has(known) ? known : "running");
        onItem(type, event);
      }
      if (event.counts) total = event.counts.total;
      render();
      if (type === "job.finished") {
        abort.disabled = true;
        state.textContent = `finished: ${event.status}`;
        panel.dataset.status = event.status;
        onFinished(await api(accepted.status_url));
      }
    },
    { onState: (value) => { if (value !== "closed") state.textContent = value; } },
  );
  return panel;
}

function jobRow(job) {
  const c = job.counts;
  return h(
    "tr", { dataset: { jobId: job.id } },
    h("td", {}, h("a", { href: `#/jobs/${job.id}` }, job.id.slice(0, 8))),
    h("td", {}, job.kind),
    h("td", { class: `status ${job.status}` }, job.status),
    h("td", {}, `${c.succeeded + c.failed + c.cancelled} / ${c.total}`),
    h("td", {}, when(job.created_at)),
  );
}

export async function jobsView() {
  const body = h("tbody");
  const table = h(
    "table", { class: "jobs" },
    h("caption", {}, "Every job, newest first, live"),
    h("thead", {}, h("tr", {}, ["Job", "Kind", "Status", "Items", "Created"].map((name) => h("th", { scope: "col" }, name)))),
    body,
  );
  mount(h("h1", {}, "Jobs"), table);
  const load = async () => body.replaceChildren(...(await api("/api/jobs?limit=100")).data.map(jobRow));
  await load();
  // Many events arrive per second on a busy stack: refresh the list at most once a second.
  let pending = null;
  const stop = follow(
    "/api/events",
    () => { pending ??= setTimeout(() => { pending = null; load(); }, 1000); },
    { endsWithJob: false },
  );
  return () => { clearTimeout(pending); stop(); };
}

function itemRow(item) {
  return h(
    "tr", { dataset: { itemId: item.id } },
    h("td", {}, item.key),
    h("td", { class: `status ${item.status}` }, item.status),
    h("td", {}, String(item.attempts)),
    h("td", {}, item.progress === null ? "" : `${Math.round(item.progress * 100)} %`),
    h("td", {}, item.error || item.message || ""),
  );
}

export async function jobView(jobId) {
  let job = await api(`/api/jobs/${jobId}`);
  const body = h("tbody");
  const summary = h("p", { class: "summary" });
  const cancel = h("button", { type: "button", class: "danger" }, "Cancel job");
  const retry = h("button", { type: "button" }, "Retry failed items");
  const render = () => {
    summary.textContent = `${job.kind}: ${job.status}, ${job.counts.succeeded} succeeded, ` +
      `${job.counts.failed} failed, ${job.counts.cancelled} cancelled of ${job.counts.total}`;
    body.replaceChildren(...job.items.map(itemRow));
    const final = !["queued", "running"].includes(job.status);
    cancel.disabled = final;
    retry.disabled = !final || job.counts.failed + job.counts.cancelled === 0;
  };
  cancel.addEventListener("click", () => guarded(cancel, async () => {
    await api(`/api/jobs/${jobId}/cancel`, { method: "POST" });
    toast("cancel requested");
  }));
  retry.addEventListener("click", () => guarded(retry, async () => {
    const accepted = await api(`/api/jobs/${jobId}/retry`, { method: "POST" });
    location.hash = `#/jobs/${accepted.job_id}`;
  }));
  mount(
    h("h1", {}, "Job ", h("code", {}, jobId)),
    summary,
    h("div", { class: "actions" }, cancel, retry),
    h("table", { class: "items" },
      h("caption", {}, "Items"),
      h("thead", {}, h("tr", {}, ["Item", "Status", "Attempts", "Progress", "Message"].map((name) => h("th", { scope: "col" }, name)))),
      body),
  );
  render();
  let pending = null;
  return follow(`/api/jobs/${jobId}/events`, () => {
    pending ??= setTimeout(async () => { pending = null; job = await api(`/api/jobs/${jobId}`); render(); }, 300);
  });
}
