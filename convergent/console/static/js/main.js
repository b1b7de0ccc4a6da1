// The console's entry point: credentials, the list of sections, and navigation by the URL's
// fragment (#section=publicCloud&version=2.0, #resource=/v2/...&section=...&version=...).
import { credentials, saveCredentials } from "./api.js";
import { fill, h } from "./dom.js";
import { renderResource } from "./resource.js";
import { sections } from "./schema.js";
import { renderSection } from "./section.js";

const main = document.getElementById("main");
const nav = document.getElementById("sections");
let known = [];
let leaving = null; // stops the current view's polling

function go(fragment) {
  location.hash = fragment;
}

async function route(focus) {
  leaving?.();
  leaving = null;
  const params = new URLSearchParams(location.hash.slice(1));
  const name = params.get("section");
  const version = params.get("version") || "";
  const section = known.find((s) => s.name === name);
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.section === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  let heading;
  try {
    if (params.get("resource")) {
      const view = renderResource(main, params.get("resource"), version, `section=${name || ""}&version=${version}`);
      leaving = view.stop;
      heading = view.heading;
    } else if (section) {
      main.setAttribute("aria-busy", "true");
      heading = await renderSection(main, section, version, go);
    } else {
      heading = home();
    }
  } catch (error) {
    console.error(error);
    fill(main, h("p", { class: "failure", role: "alert" }, `Could not show this view: ${error.message || error}`));
  } finally {
    main.removeAttribute("aria-busy");
    main.dataset.shown = location.hash; // which view the content is of (tests wait on it)
  }
  if (focus && heading) heading.focus();
}

function home() {
  const heading = h("h2", { tabIndex: -1 }, "Sections");
  fill(main, 
    heading,
    h("p", {}, "Pick a section to see its routes, models and schemas versions, and to try its calls. ",
      "Calls are signed in this page with the credentials above, as OVHcloud's clients sign them."),
    h("ul", {}, known.map((s) => h("li", {}, h("a", { href: `#section=${s.name}` }, `${s.base}/${s.name}`), ` — ${s.description}`))),
  );
  return heading;
}

function setupCredentials() {
  const form = document.getElementById("credentials");
  const state = document.getElementById("credentials-state");
  const show = () => {
    const keys = credentials();
    state.textContent = keys ? `Signing as application ${keys.applicationKey} (kept in this tab only).` : "No credentials: only public documents and /auth/time work.";
  };
  const keys = credentials();
  if (keys) {
    form.elements.applicationKey.value = keys.applicationKey;
    form.elements.applicationSecret.value = keys.applicationSecret;
    form.elements.consumerKey.value = keys.consumerKey;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = Object.fromEntries(["applicationKey", "applicationSecret", "consumerKey"].map((n) => [n, form.elements[n].value.trim()]));
    saveCredentials(value);
    show();
  });
  document.getElementById("forget").addEventListener("click", () => {
    saveCredentials(null);
    form.reset();
    show();
  });
  show();
}

async function start() {
  setupCredentials();
  // The fragment is the view: the skip link moves focus without navigating.
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  try {
    known = await sections();
  } catch (error) {
    console.error(error);
    fill(main, h("p", { class: "failure", role: "alert" }, `Could not read the section index: ${error.message}`));
    return;
  }
  for (const branch of ["v2", "v1"]) {
    const group = known.filter((s) => s.branch === branch);
    nav.append(h("li", {}, h("span", { class: "branch" }, group[0]?.base || branch),
      h("ul", {}, group.map((s) => h("li", {}, h("a", { href: `#section=${s.name}`, "data-section": s.name }, s.name))))));
  }
  window.addEventListener("hashchange", () => route(true));
  await route(false);
  document.body.dataset.ready = "true";
}

start();
