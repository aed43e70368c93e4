// Selection sets and LoRA training for a style or an actor: the sets, a training form with the
// recommended parameters, and the version history with live status and download links.

import { api, follow } from "./api.js";
import { guarded, h, toast, when } from "./dom.js";

function selectionSets({ base, images, onChange }) {
  const list = h("ul", { class: "sets" });
  const name = h("input", { name: "name", required: true });
  const form = h("form", { "aria-label": "New selection set" },
    h("label", {}, "Set name", name),
    h("button", {}, "Save the training images as a set"));
  const load = async () => {
    const { sets } = await api(`${base}/selection-sets`);
    list.replaceChildren(...sets.map((set) => h("li", { dataset: { setId: set.id } },
      `#${set.id} ${set.name} (${set.image_count} images) `,
      h("button", { type: "button", class: "quiet", "aria-label": `delete set ${set.id}`,
        onclick: (event) => guarded(event.target, async () => {
          await api(`${base}/selection-sets/${set.id}`, { method: "DELETE" });
          await load();
        }) }, "Delete"))));
    onChange(sets);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(form.querySelector("button"), async () => {
      const chosen = images();
      if (!chosen.length) throw new Error("there are no training images to put in a set");
      const set = await api(`${base}/selection-sets`, { method: "POST", json: { name: name.value, images: chosen } });
      toast(`selection set #${set.id} saved`);
      form.reset();
      await load();
    });
  });
  return { element: h("section", { "aria-label": "Selection sets" }, h("h2", {}, "Selection sets"), list, form), load };
}

function parameterInputs(defaults) {
  return Object.entries(defaults).map(([name, value]) =>
    h("label", {}, name, h("input", { name: `p.${name}`, value: value ?? "", placeholder: value === null ? "auto" : null })));
}

function parametersOf(form, defaults) {
  const parameters = {};
  for (const [name, value] of Object.entries(defaults)) {
    const raw = form.elements[`p.${name}`].value.trim();
    if (raw === String(value ?? "")) continue; // unchanged: the recommended value applies
    parameters[name] = raw === "" ? null : typeof value === "number" || (value === null && /^[\d.e-]+$/.test(raw)) ? Number(raw) : raw;
  }
  return parameters;
}

function versionRow(version) {
  const percent = version.progress === null || version.progress === undefined ? "" : ` ${Math.round(version.progress * 100)} %`;
  return h("tr", { dataset: { versionId: version.id, status: version.status } },
    h("td", {}, version.name),
    h("td", { class: `status ${version.status}` }, version.status + percent),
    h("td", {}, String(version.imageCount)),
    h("td", {}, when(version.timestamp)),
    h("td", {}, version.error || version.message || ""),
    h("td", {}, version.download_url ? h("a", { href: version.download_url, download: "" }, "Download LoRA") : ""));
}

function versions({ base }) {
  const body = h("tbody");
  const following = new Map();
  const load = async () => {
    const list = (await api(`${base}/training-versions`)).versions;
    body.replaceChildren(...list.map(versionRow));
    for (const version of list) {
      const live = ["pending", "training"].includes(version.status);
      if (live && version.events_url && !following.has(version.id)) {
        let pending = null;
        following.set(version.id, follow(version.events_url, (type) => {
          if (type === "job.finished") following.delete(version.id);
          pending ??= setTimeout(() => { pending = null; load(); }, 300);
        }));
      }
    }
  };
  const element = h("section", { "aria-label": "Training versions" }, h("h2", {}, "Training versions"),
    h("table", { class: "versions" },
      h("thead", {}, h("tr", {}, ["Version", "Status", "Images", "Started", "Message", "LoRA"].map((name) => h("th", { scope: "col" }, name)))),
      body));
  return { element, load };
}

function trainingForm({ owner, history, sets }) {
  const form = h("form", { class: "training", "aria-label": "Train a LoRA" });
  const select = h("select", { name: "set", required: true });
  sets.subscribe((list) => select.replaceChildren(...list.map((set) => h("option", { value: set.id }, `#${set.id} ${set.name}`))));
  api("/api/training/parameters").then(({ defaults }) => {
    form.append(
      h("label", {}, "Selection set", select),
      h("label", {}, "Version name", h("input", { name: "version_name", required: true })),
      h("label", {}, "Backend", h("select", { name: "backend" }, h("option", {}, "runpod"), h("option", {}, "replicate"))),
      h("details", {}, h("summary", {}, "Parameters (recommended values filled in)"), parameterInputs(defaults)),
      h("button", {}, "Start training"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(form.querySelector("button:last-of-type"), async () => {
        const started = await api("/api/training/start", {
          method: "POST",
          json: {
            ...owner,
            selection_set_id: Number(select.value),
            version_name: form.elements.version_name.value,
            backend: form.elements.backend.value,
            parameters: parametersOf(form, defaults),
          },
        });
        toast(`training ${started.version.id} started`);
        await history.load();
      });
    });
  });
  return form;
}

export function trainingPanels({ base, owner, images }) {
  const listeners = [];
  const sets = { subscribe: (listener) => listeners.push(listener) };
  const setsPanel = selectionSets({ base, images, onChange: (list) => listeners.forEach((l) => l(list)) });
  const history = versions({ base });
  const form = trainingForm({ owner, history, sets });
  setsPanel.load();
  history.load();
  return [setsPanel.element, h("section", { "aria-label": "Training" }, h("h2", {}, "Train a LoRA"), form), history.element];
}
