// Actors: the library with filters, and an actor's training data (the seed's
// ActorTrainingDataManager): Local and S3-only badges, sync both ways, local copies removed.

import { api } from "./api.js";
import { bytes, guarded, h, mount, toast } from "./dom.js";
import { datagenPanel } from "./datagen.js";
import { jobPanel } from "./jobs.js";
import { trainingPanels } from "./training.js";

export async function actorsView() {
  const [{ data }, usage] = await Promise.all([api("/api/actors?limit=500"), api("/api/actors/storage-usage")]);
  const images = new Map(usage.actors.map((entry) => [entry.actor_id, entry.training_images]));
  const options = (field) => [...new Set(data.map((actor) => actor[field]).filter(Boolean))].sort();
  const choice = (name, label, values) => h("label", {}, label,
    h("select", { name }, h("option", { value: "" }, "any"), values.map((value) => h("option", { value }, value))));
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filter actors" },
    h("label", {}, "Name", h("input", { name: "name", type: "search" })),
    choice("sex", "Sex", options("sex")),
    choice("ethnicity", "Ethnicity", options("ethnicity")),
    choice("data", "Training data", ["has data", "no data"]),
    h("label", {}, h("input", { name: "good", type: "checkbox" }), "good only"));
  const list = h("ul", { class: "grid library", "aria-label": "Actor library" });
  const render = () => {
    const f = filters.elements;
    const shown = data.filter((actor) =>
      (!f.name.value || actor.name.toLowerCase().includes(f.name.value.toLowerCase())) &&
      (!f.sex.value || actor.sex === f.sex.value) &&
      (!f.ethnicity.value || actor.ethnicity === f.ethnicity.value) &&
      (!f.data.value || (f.data.value === "has data") === (images.get(actor.id) > 0)) &&
      (!f.good.checked || actor.good));
    list.replaceChildren(...shown.map((actor) => h("li", { class: "card", dataset: { actorId: actor.id } },
      h("a", { href: `#/actors/${actor.id}` }, h("strong", {}, actor.name)),
      h("p", {}, [actor.sex, actor.ethnicity, actor.age].filter(Boolean).join(" · ")),
      h("p", { class: "muted" }, `${images.get(actor.id) || 0} local training images${actor.good ? " · good" : ""}`))));
  };
  filters.addEventListener("input", render);
  mount(h("h1", {}, "Actors"), filters, list);
  render();
}

function fileName(url) {
  return decodeURIComponent(url.split("?")[0].split("/").pop());
}

class ActorPage {
  constructor(actor) {
    this.actor = actor;
    this.base = `/api/actors/${actor.id}`;
    this.selected = new Set();
    this.list = h("tbody");
    this.usage = h("p", { class: "summary", "aria-live": "polite" });
    this.jobs = h("div", { class: "jobs-area" });
    this.files = [];
  }

  async reload() {
    const [view, usage] = await Promise.all([api(`${this.base}/training-data`), api(`${this.base}/storage-usage`)]);
    const local = new Set(view.local_images.map(fileName));
    const remote = new Set(view.s3_urls.map(fileName));
    this.files = [...new Set([...local, ...remote])].sort().map((name) => ({ name, local: local.has(name), remote: remote.has(name) }));
    this.usage.textContent = `${local.size} local, ${remote.size} in S3, ` +
      `${bytes(usage.training_bytes)} of training images on disk, ${view.synced ? "in sync" : "not in sync"}`;
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.files.map((file) => h("tr", { dataset: { file: file.name } },
      h("td", {}, h("input", { type: "checkbox", checked: this.selected.has(file.name), "aria-label": `select ${file.name}`,
        onchange: (event) => { if (event.target.checked) this.selected.add(file.name); else this.selected.delete(file.name); } })),
      h("td", {}, file.name),
      h("td", {}, file.local ? h("span", { class: "badge ok" }, "Local") : h("span", { class: "badge warn" }, "S3 only"),
        file.local && !file.remote ? h("span", { class: "badge" }, "not in S3") : null))));
  }

  chosen() {
    return this.selected.size ? { filenames: [...this.selected] } : {};
  }

  async sync(direction) {
    const accepted = await api(`${this.base}/training-data/sync-${direction}-s3`, {
      method: "POST", json: this.chosen(), headers: { Prefer: "respond-async" },
    });
    this.jobs.prepend(jobPanel(accepted, {
      title: `Sync ${direction} S3`,
      onFinished: async (job) => { toast(`sync ${direction} S3: ${job.status}`); await this.reload(); },
    }));
  }

  async removeLocal() {
    const names = [...this.selected].filter((name) => this.files.find((file) => file.name === name && file.local));
    if (!names.length) throw new Error("select the local copies to remove");
    const query = names.map((name) => `filenames=${encodeURIComponent(name)}`).join("&");
    const removed = await api(`${this.base}/training-data/local?${query}`, { method: "DELETE" });
    toast(`${removed.removed.length} local copies removed, ${bytes(removed.freed_bytes)} freed`);
    this.selected.clear();
    await this.reload();
  }

  view() {
    const button = (label, action, cls) => h("button", { type: "button", class: cls, onclick: (event) => guarded(event.target, action) }, label);
    return [
      h("h1", {}, this.actor.name, " ", h("span", { class: "muted" }, `#${this.actor.id}`)),
      h("div", { class: "toolbar", role: "toolbar", "aria-label": "Training data" },
        button("Sync from S3", () => this.sync("from")),
        button("Sync to S3", () => this.sync("to")),
        button("Remove local copies", () => this.removeLocal(), "danger"),
        h("span", { class: "muted" }, "(with files selected, only those)")),
      this.usage,
      this.jobs,
      h("table", { class: "files" }, h("caption", {}, "Training images"),
        h("thead", {}, h("tr", {}, ["", "File", "Where"].map((name) => h("th", { scope: "col" }, name)))), this.list),
    ];
  }
}

export async function actorView(actorId) {
  const actor = await api(`/api/actors/${encodeURIComponent(actorId)}`);
  const page = new ActorPage(actor);
  mount(
    ...page.view(),
    h("details", {}, h("summary", {}, "Generate the 12-image set"),
      datagenPanel({ kind: "actor", path: `${page.base}/training-data/generate`, onDone: () => page.reload() })),
    ...trainingPanels({ base: page.base, owner: { actor_id: actor.id }, images: () => page.files.filter((f) => f.local).map((f) => f.name) }),
  );
  await page.reload();
}
