// The console's shell: hash routes to screens, the API key dialog, and errors shown on the page.

import { apiKey } from "./api.js";
import { actorsView, actorView } from "./actors.js";
import { h, mount } from "./dom.js";
import { jobsView, jobView } from "./jobs.js";
import { stylesView, styleView } from "./styles.js";

const ROUTES = [
  [/^#\/styles$/, stylesView],
  [/^#\/styles\/([^/]+)$/, styleView],
  [/^#\/actors$/, actorsView],
  [/^#\/actors\/(\d+)$/, actorView],
  [/^#\/jobs$/, jobsView],
  [/^#\/jobs\/([0-9a-f-]{36})$/, jobView],
];

let leave = null;

async function route() {
  if (typeof leave === "function") leave();
  leave = null;
  const hash = location.hash || "#/styles";
  for (const link of document.querySelectorAll("nav a")) {
    link.toggleAttribute("aria-current", hash.startsWith(link.getAttribute("href")));
  }
  const match = ROUTES.map(([pattern, view]) => [hash.match(pattern), view]).find(([found]) => found);
  if (!match) {
    mount(h("h1", {}, "Not found"), h("p", {}, `Nothing lives at ${hash}.`));
    return;
  }
  const [found, view] = match;
  try {
    leave = await view(...found.slice(1).map(decodeURIComponent));
  } catch (error) {
    mount(h("h1", {}, "Something went wrong"), h("p", { class: "error", role: "alert" }, error.message));
  }
  document.getElementById("view").focus({ preventScroll: true });
}

function keyDialog() {
  const dialog = document.getElementById("key-dialog");
  const input = dialog.querySelector("input");
  const open = () => { input.value = apiKey.get(); dialog.showModal(); };
  document.getElementById("key-button").addEventListener("click", open);
  document.addEventListener("needs-key", () => { if (!dialog.open) open(); });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "save") apiKey.set(input.value.trim());
    if (dialog.returnValue === "clear") apiKey.set("");
    if (dialog.returnValue) route();
  });
}

keyDialog();
window.addEventListener("hashchange", route);
route();
