// Dataset generation: the actor 12-image set and the style set from a source, each with a
// dry-run estimate before anything is paid for.

import { api } from "./api.js";
import { guarded, h, toast } from "./dom.js";
import { jobPanel } from "./jobs.js";

const FIELDS = {
  style: [
    ["base_image", "Base image file name", "text"],
    ["source_image_url", "or a source image URL", "url"],
    ["target_count", "Images to make", "number", 20],
  ],
  actor: [
    ["actor_type", "Actor type (human, creature, robotic, anthropomorphic, mythical)", "text"],
    ["actor_sex", "Sex (male, female, unknown)", "text"],
    ["portrait_url", "Portrait URL (else the actor's base image)", "url"],
    ["mix.photoreal", "Photoreal", "number", 2],
    ["mix.bw_stylized", "Black-and-white stylised", "number", 6],
    ["mix.color_stylized", "Colour stylised", "number", 4],
  ],
};

function bodyOf(form, kind) {
  const body = {};
  for (const [name, , type] of FIELDS[kind]) {
    const raw = form.elements[name].value.trim();
    if (!raw) continue;
    const value = type === "number" ? Number(raw) : raw;
    const [head, tail] = name.split(".");
    if (tail) body[head] = { ...(body[head] || {}), [tail]: value };
    else body[head] = value;
  }
  return body;
}

function estimateText(estimate) {
  const calls = estimate.provider_calls;
  return `${estimate.images} images in ${estimate.items} items: ${calls.kontext} kontext, ` +
    `${calls.upscale} upscale, ${calls.vision} vision calls, about $${estimate.cost_usd.toFixed(2)} ` +
    `(at most $${estimate.most_cost_usd.toFixed(2)}), at least ${Math.round(estimate.time_bound_s)} s`;
}

export function datagenPanel({ kind, path, onDone }) {
  const estimate = h("p", { class: "estimate", "aria-live": "polite" });
  const jobs = h("div");
  const inputs = FIELDS[kind].map(([name, label, type, value]) =>
    h("label", {}, label, h("input", { name, type, value: value ?? "", min: type === "number" ? 0 : null })));
  const dry = h("button", { type: "button", class: "quiet" }, "Estimate (dry run)");
  const go = h("button", {}, "Generate");
  const form = h("form", { class: "datagen", "aria-label": `Generate the ${kind} set` }, inputs, dry, go, estimate, jobs);
  dry.addEventListener("click", () => guarded(dry, async () => {
    estimate.textContent = estimateText(await api(`${path}?dry_run=true`, { method: "POST", json: bodyOf(form, kind) }));
  }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(go, async () => {
      const accepted = await api(path, { method: "POST", json: bodyOf(form, kind) });
      jobs.prepend(jobPanel(accepted, {
        title: `Generate the ${kind} set`,
        onFinished: (job) => { toast(`${kind} set: ${job.status}`); onDone(); },
      }));
    });
  });
  return form;
}
