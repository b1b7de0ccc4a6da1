// The view of one as-code resource: targetSpec beside currentState with their differences,
// resourceStatus, its tasks and their steps (polled while a task runs), and its events.
import { send } from "./api.js";
import { fill, h, pretty, uid } from "./dom.js";
import { exchange } from "./tryit.js";

const SETTLED = new Set(["READY", "ERROR", "SUSPENDED"]);
const POLL_MS = 1000;

// Fill `main` with the resource at `url` (an absolute path, "/v2/..."), read in `version`.
// Answers a function that stops polling; main.js calls it when the view changes.
export function renderResource(main, url, version, back) {
  const headers = version ? { "X-Schemas-Version": version } : {};
  const status = h("p", { class: "resource-status", role: "status", "aria-live": "polite" }, "Loading…");
  const comparison = h("div", { class: "comparison" });
  const tasks = h("div", { class: "tasks" });
  const events = h("div", { class: "events" });
  const editorId = uid("target");
  const editor = h("textarea", { id: editorId, rows: 8, spellcheck: false });
  const outcome = h("div", { class: "result", "aria-live": "polite" });
  const apply = h("button", { type: "submit" }, "Apply target spec (PUT)");
  let latest = null;
  let timer = null;
  let stopped = false;
  let edited = false;
  editor.addEventListener("input", () => (edited = true));

  async function refresh() {
    clearTimeout(timer);
    const [resource, taskList, eventList] = await Promise.all([
      send("GET", url, { headers }),
      send("GET", `${url}/task`, { headers: { ...headers, "X-Pagination-Size": "5" } }),
      send("GET", `${url}/event`, { headers: { ...headers, "X-Pagination-Size": "20" } }),
    ]);
    if (stopped) return;
    if (resource.status === 404) {
      status.textContent = "resourceStatus: gone (404)";
      status.dataset.status = "GONE";
      return;
    }
    if (resource.status >= 400) {
      status.textContent = `Could not read the resource: ${resource.status} ${resource.json?.class || ""} ${resource.json?.message || ""}`;
      return;
    }
    latest = resource.json;
    const busy = latest.currentTasks.length > 0 || !SETTLED.has(latest.resourceStatus);
    status.dataset.status = latest.resourceStatus;
    status.textContent = `resourceStatus: ${latest.resourceStatus}${busy ? " (watching)" : ""}`;
    if (!edited) editor.value = pretty(latest.targetSpec);
    comparison.replaceChildren(compare(latest.targetSpec, latest.currentState));
    tasks.replaceChildren(taskView(latest, taskList));
    events.replaceChildren(eventView(eventList));
    if (busy) timer = setTimeout(() => refresh().catch(failed), POLL_MS);
  }

  function failed(error) {
    status.textContent = `Error: ${error.message || error}`;
  }

  async function submit(event) {
    event.preventDefault();
    let spec;
    try {
      spec = JSON.parse(editor.value);
    } catch (error) {
      outcome.replaceChildren(h("p", { class: "failure", role: "alert" }, `The target spec is not JSON: ${error.message}`));
      return;
    }
    apply.disabled = true;
    try {
      const body = JSON.stringify({ checksum: latest?.checksum, targetSpec: spec });
      const answer = await send("PUT", url, { headers, body });
      outcome.replaceChildren(exchange(answer, {}));
      if (answer.status < 400) edited = false;
      await refresh();
    } catch (error) {
      outcome.replaceChildren(h("p", { class: "failure", role: "alert" }, String(error.message || error)));
    } finally {
      apply.disabled = false;
    }
  }

  const heading = h("h2", { tabIndex: -1 }, "Resource ", h("code", {}, url));
  fill(main,
    heading,
    h("p", {}, h("a", { href: `#${back}` }, "Back to the section"), " · ",
      h("button", { type: "button", onclick: () => refresh().catch(failed) }, "Refresh")),
    status,
    h("div", { class: "resource-grid" },
      h("section", { "aria-labelledby": "compare-title" }, h("h3", { id: "compare-title" }, "targetSpec and currentState"), comparison),
      h("section", { "aria-labelledby": "tasks-title" }, h("h3", { id: "tasks-title" }, "Tasks"), tasks)),
    h("form", { class: "edit", onsubmit: submit },
      h("label", { for: editorId }, "Target spec (JSON); applied with the current checksum"), editor, apply),
    outcome,
    h("h3", {}, "Events"),
    events,
  );
  refresh().catch(failed);
  return {
    heading,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// Leaf values by dotted path; arrays are leaves (shown as JSON).
function leaves(value, prefix = "", out = new Map()) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

function compare(target, current) {
  const wanted = leaves(target || {});
  const observed = leaves(current || {});
  const paths = [...wanted.keys(), ...[...observed.keys()].filter((k) => !wanted.has(k)).sort()];
  return h("table", { class: "compare" },
    h("caption", {}, "Rows marked ≠ differ: the resource has not converged there yet"),
    h("colgroup", {}, h("col", { class: "marker-column" }), h("col"), h("col"), h("col")),
    h("thead", {}, h("tr", {}, ["", "Field", "targetSpec", "currentState"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, paths.map((path) => {
      const inTarget = wanted.has(path);
      const differs = inTarget && wanted.get(path) !== observed.get(path);
      return h("tr", { class: differs ? "differs" : inTarget ? "" : "observed" },
        h("td", { class: "marker" }, differs ? h("span", { title: "differs", "aria-label": "differs" }, "≠") : ""),
        h("th", { scope: "row" }, h("code", {}, path)),
        h("td", {}, inTarget ? h("code", {}, wanted.get(path)) : "—"),
        h("td", {}, observed.has(path) ? h("code", {}, observed.get(path)) : "—"));
    })));
}

function taskView(resource, taskList) {
  const current = new Set(resource.currentTasks.map((t) => t.id));
  if (taskList.status >= 400 || !Array.isArray(taskList.json)) {
    // A kind without a task list: what the envelope says of its current tasks.
    if (!resource.currentTasks.length) return h("p", {}, "No task in progress.");
    return h("ul", {}, resource.currentTasks.map((t) => h("li", { "data-status": t.status }, `${t.type}: ${t.status}`)));
  }
  if (!taskList.json.length) return h("p", {}, "No task yet.");
  return h("ol", { class: "task-list" }, taskList.json.map((task) =>
    h("li", { class: `task ${current.has(task.id) ? "current" : ""}`, "data-task": task.id, "data-status": task.status },
      h("p", {}, h("strong", {}, task.type), ` — ${task.status}`, current.has(task.id) ? h("span", { class: "badge" }, "current") : null,
        ` · ${task.message || ""}`),
      h("ol", { class: "steps", "aria-label": `Steps of ${task.type}` }, task.progress.map((step) =>
        h("li", { class: `step step-${step.status.toLowerCase()}`, "data-status": step.status },
          h("span", { class: "step-mark", "aria-hidden": "true" }, step.status === "DONE" ? "✓" : step.status === "RUNNING" ? "…" : step.status === "ERROR" ? "✗" : "○"),
          ` ${step.name}: `, h("span", { class: "step-status" }, step.status)))),
      task.errors?.length ? h("ul", { class: "failure" }, task.errors.map((e) => h("li", {}, e.message))) : null)));
}

function eventView(eventList) {
  if (eventList.status >= 400 || !Array.isArray(eventList.json)) return h("p", {}, "This kind serves no event history.");
  if (!eventList.json.length) return h("p", {}, "No event yet.");
  return h("table", { class: "event-list" },
    h("caption", {}, "Newest first"),
    h("thead", {}, h("tr", {}, ["When", "Type", "Message"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, eventList.json.map((e) => h("tr", {}, h("td", {}, e.createdAt), h("td", {}, h("code", {}, e.type)), h("td", {}, e.message)))));
}
