// Styles: the library, and a style's training-data manager (the seed's TrainingDataManager).

import { api, apiKey } from "./api.js";
import { datagenPanel } from "./datagen.js";
import { guarded, h, mount, toast } from "./dom.js";
import { jobPanel } from "./jobs.js";
import { trainingPanels } from "./training.js";

export async function stylesView() {
  const { data } = await api("/api/styles");
  const cards = data.map((style) =>
    h("li", { class: "card" },
      h("a", { href: `#/styles/${encodeURIComponent(style.id)}` }, h("strong", {}, style.name)),
      h("p", {}, `#${style.id} · ${style.lora_name}`),
      style.trigger_words ? h("p", { class: "muted" }, `trigger: ${style.trigger_words}`) : null),
  );
  mount(
    h("h1", {}, "Styles"),
    cards.length ? h("ul", { class: "grid library", "aria-label": "Style library" }, cards) : h("p", {}, "No styles yet."),
  );
}

function thumb(src, alt) {
  return src
    ? h("img", { src, alt, loading: "lazy", decoding: "async", width: 192, height: 108 })
    : h("div", { class: "empty-thumb", role: "img", "aria-label": alt }, "none");
}

// Everything a style's page shows and changes; `reload()` reads it all again.
class StylePage {
  constructor(style) {
    this.style = style;
    this.base = `/api/styles/${encodeURIComponent(style.id)}`;
    this.entries = [];
    this.selected = new Set();
    this.rows = h("tbody");
    this.summary = h("p", { class: "summary", "aria-live": "polite" });
    this.jobs = h("div", { class: "jobs-area" });
    this.compare = h("div", { class: "compare-area" });
    this.generateMissing = h("button", { type: "button" });
    this.generateSelected = h("button", { type: "button" });
  }

  async reload() {
    this.entries = (await api(`${this.base}/training-images?version=v2`)).images;
    const names = new Set(this.entries.map((entry) => entry.filename));
    for (const name of [...this.selected]) if (!names.has(name)) this.selected.delete(name);
    this.render();
  }

  missing() { return this.entries.filter((entry) => !entry.training_image).map((e) => e.filename); }
  stale() { return this.entries.filter((entry) => entry.training_image?.stale).map((e) => e.filename); }

  select(names) {
    this.selected = new Set(names);
    this.render();
  }

  render() {
    const missing = this.missing();
    this.generateMissing.textContent = `Generate Missing (${missing.length})`;
    this.generateMissing.disabled = missing.length === 0;
    this.generateSelected.textContent = `Generate Selected (${this.selected.size})`;
    this.generateSelected.disabled = this.selected.size === 0;
    const made = this.entries.filter((entry) => entry.training_image).length;
    this.summary.textContent = `${this.entries.length} base images, ${made} training images, ` +
      `${missing.length} missing, ${this.stale().length} stale, ${this.selected.size} selected`;
    this.rows.replaceChildren(...this.entries.map((entry) => this.row(entry)));
  }

  row(entry) {
    const made = entry.training_image;
    const box = h("input", {
      type: "checkbox", checked: this.selected.has(entry.filename),
      "aria-label": `select ${entry.filename}`,
      onchange: (event) => {
        if (event.target.checked) this.selected.add(entry.filename);
        else this.selected.delete(entry.filename);
        this.render();
      },
    });
    const button = (label, action, cls) =>
      h("button", { type: "button", class: cls, "aria-label": `${label} ${entry.filename}`,
        onclick: (event) => guarded(event.target, action) }, label);
    return h(
      "tr", { dataset: { image: entry.filename, state: made ? (made.stale ? "stale" : "made") : "missing" } },
      h("td", {}, box),
      h("td", {}, thumb(entry.thumbnail_url, `base ${entry.filename}`), h("div", { class: "name" }, entry.filename),
        entry.caption ? h("div", { class: "muted caption" }, entry.caption) : null),
      h("td", {}, thumb(made?.thumbnail_url, `training image for ${entry.filename}`),
        made?.stale ? h("div", { class: "badge warn", title: made.stale_reasons.join("; ") }, "stale") : null),
      h("td", {}, h("div", { class: "row-actions" },
        button(made ? "Recreate" : "Generate", () => this.generate([entry.filename], entry.filename)),
        button("Edit", () => this.edit(entry.filename)),
        made ? button("History", () => this.history(made.filename)) : null,
        made ? button("Delete", () => this.remove(made.filename), "danger") : null)),
    );
  }

  async generate(images, title = `${images.length} images`) {
    const accepted = await api(`${this.base}/generate`, { method: "POST", json: { images } });
    this.jobs.prepend(jobPanel(accepted, {
      title: `Generate ${title}`,
      onItem: (type) => { if (type === "item.succeeded") this.reload(); },
      onFinished: async (job) => {
        await this.reload();
        // What failed stays selected, ready for another try.
        const failed = job.items.filter((item) => item.status !== "succeeded").map((item) => item.key);
        this.select(failed);
        toast(`Generate ${title}: ${job.status}`, job.status === "succeeded" ? "info" : "error");
      },
    }));
  }

  async remove(filename) {
    if (!confirm(`Delete the training image ${filename}?`)) return;
    await api(`${this.base}/training-images/${encodeURIComponent(filename)}`, { method: "DELETE" });
    await this.reload();
  }

  async edit(image) {
    const prompt = window.prompt(`Prompt for a new candidate of ${image} (empty: the style's)`, "");
    if (prompt === null) return;
    const json = prompt ? { image, prompt } : { image };
    const accepted = await api(`${this.base}/candidates`, { method: "POST", json });
    this.jobs.prepend(jobPanel(accepted, {
      title: `Edit ${image}`,
      onFinished: () => this.showCandidates(),
    }));
  }

  async showCandidates() {
    const { candidates } = await api(`${this.base}/candidates`);
    const card = (candidate) => h(
      "figure", { class: "candidate", dataset: { candidate: candidate.id } },
      h("div", { class: "pair" },
        h("div", {}, h("p", {}, "current"), thumb(candidate.training_image?.thumbnail_url, `current ${candidate.image}`)),
        h("div", {}, h("p", {}, "candidate"), thumb(candidate.thumbnail_url, `candidate for ${candidate.image}`))),
      h("figcaption", {}, candidate.image, " ",
        h("button", { type: "button", onclick: (event) => guarded(event.target, async () => {
          await api(`${this.base}/candidates/${candidate.id}/accept`, { method: "POST" });
          toast(`${candidate.image}: candidate accepted`);
          await this.showCandidates();
          await this.reload();
        }) }, "Accept"),
        h("button", { type: "button", class: "quiet", onclick: (event) => guarded(event.target, async () => {
          await api(`${this.base}/candidates/${candidate.id}`, { method: "DELETE" });
          await this.showCandidates();
        }) }, "Discard")),
    );
    this.compare.replaceChildren(
      ...(candidates.length ? [h("h2", {}, "Candidates"), ...candidates.map(card)] : []),
    );
  }

  async history(filename) {
    const { versions } = await api(`${this.base}/training-images/${encodeURIComponent(filename)}/history`);
    const list = versions.map((version) => h("li", {},
      thumb(version.thumbnail_url, `version ${version.version} of ${filename}`),
      h("button", { type: "button", onclick: (event) => guarded(event.target, async () => {
        await api(`${this.base}/training-images/${encodeURIComponent(filename)}/history/${version.version}/restore`, { method: "POST" });
        toast(`${filename}: version ${version.version} restored`);
        await this.reload();
      }) }, `Restore ${version.version}`)));
    this.compare.replaceChildren(h("h2", {}, `History of ${filename}`),
      list.length ? h("ul", { class: "grid" }, list) : h("p", {}, "No earlier versions."));
  }

  async downloadZip(button) {
    await guarded(button, async () => {
      const headers = apiKey.get() ? { Authorization: `Bearer ${apiKey.get()}` } : {};
      const answer = await fetch(`${this.base}/dataset.zip`, { headers });
      if (!answer.ok) throw new Error(`the ZIP could not be made (${answer.status})`);
      const link = h("a", { href: URL.createObjectURL(await answer.blob()), download: `${this.style.folder}.zip` });
      link.click();
      URL.revokeObjectURL(link.href);
    });
  }

  view() {
    this.generateMissing.addEventListener("click", (event) => guarded(event.target, () => this.generate(this.missing(), "missing")));
    this.generateSelected.addEventListener("click", (event) => guarded(event.target, () => this.generate([...this.selected], "selected")));
    const pick = (label, names) => h("button", { type: "button", class: "quiet", onclick: () => this.select(names()) }, label);
    const zip = h("button", { type: "button", class: "quiet" }, "Download ZIP");
    zip.addEventListener("click", () => this.downloadZip(zip));
    return [
      h("h1", {}, this.style.name, " ", h("span", { class: "muted" }, `#${this.style.id}`)),
      h("div", { class: "toolbar", role: "toolbar", "aria-label": "Training data" },
        h("span", {}, "Select: "),
        pick("All", () => this.entries.map((entry) => entry.filename)),
        pick("Missing", () => this.missing()),
        pick("Stale", () => this.stale()),
        pick("None", () => []),
        this.generateMissing, this.generateSelected, zip),
      this.summary,
      this.jobs,
      this.compare,
      h("table", { class: "dataset" },
        h("caption", {}, "Base images and their training images"),
        h("thead", {}, h("tr", {}, ["", "Base image", "Training image", "Actions"].map((name) => h("th", { scope: "col" }, name)))),
        this.rows),
    ];
  }
}

function settingsForm(page) {
  const style = page.style;
  const fields = Object.entries(style.settings).map(([name, value]) =>
    h("label", {}, name, typeof value === "boolean"
      ? h("input", { name, type: "checkbox", checked: value })
      : h("input", { name, value: String(value), inputmode: typeof value === "number" ? "decimal" : "text" })));
  const prompts = ["trigger_words", "frontpad", "backpad"].map((name) =>
    h("label", {}, name, h("textarea", { name: `style.${name}`, rows: 2 }, style[name] ?? "")));
  const form = h("form", { class: "settings", "aria-label": "Style settings and prompts" },
    h("fieldset", {}, h("legend", {}, "img2img settings"), fields),
    h("fieldset", {}, h("legend", {}, "Prompts"), prompts),
    h("button", {}, "Save settings"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(form.querySelector("button"), async () => {
      const settings = {};
      for (const [name, value] of Object.entries(style.settings)) {
        const input = form.elements[name];
        settings[name] = typeof value === "boolean" ? input.checked : typeof value === "number" ? Number(input.value) : input.value;
      }
      const patch = {};
      for (const name of ["trigger_words", "frontpad", "backpad"]) patch[name] = form.elements[`style.${name}`].value;
      if (!patch.trigger_words) patch.trigger_words = null;
      await api(`${page.base}/settings`, { method: "PUT", json: settings });
      page.style = await api(page.base, { method: "PATCH", json: patch });
      toast("settings saved");
      await page.reload();
    });
  });
  return form;
}

function uploadForm(page) {
  const form = h("form", { class: "upload", "aria-label": "Upload a base image" },
    h("label", {}, "Base image", h("input", { type: "file", name: "file", accept: "image/*", required: true })),
    h("label", {}, "Caption", h("input", { name: "caption" })),
    h("button", {}, "Upload"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(form.querySelector("button"), async () => {
      const body = new FormData(form);
      if (!body.get("caption")) body.delete("caption");
      const saved = await api("/api/base-images", { method: "POST", form: body });
      toast(`${saved.filename} uploaded`);
      form.reset();
      await page.reload();
    });
  });
  return form;
}

export async function styleView(styleId) {
  const style = await api(`/api/styles/${encodeURIComponent(styleId)}`);
  const page = new StylePage(style);
  const images = () => page.entries.filter((entry) => entry.training_image).map((entry) => entry.training_image.filename);
  mount(
    ...page.view(),
    h("details", {}, h("summary", {}, "Settings and prompts"), settingsForm(page)),
    h("details", {}, h("summary", {}, "Upload a base image"), uploadForm(page)),
    h("details", {}, h("summary", {}, "Generate a dataset from a source image"),
      datagenPanel({ kind: "style", path: `${page.base}/training-data/generate-from-source`, onDone: () => page.reload() })),
    ...trainingPanels({ base: page.base, owner: { style_id: style.id }, images }),
  );
  await page.reload();
  await page.showCandidates();
}
