// "Try it": a form per operation, signed in the browser, and what it sent and got back.
import { send } from "./api.js";
import { h, pretty, uid } from "./dom.js";
import { example, requestSchema } from "./schema.js";

// Answer headers worth pointing at.
const NOTABLE = new Set(["x-pagination-cursor-next", "x-ovh-queryid", "x-schemas-version", "deprecation", "sunset", "link"]);

export function isEnvelope(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && "targetSpec" in value && "resourceStatus" in value;
}

export function tryIt(context, entry) {
  const { section, doc, version, go } = context;
  const { op, method } = entry;
  const inputs = new Map(); // parameter name -> input
  const field = (name, label, attrs = {}) => {
    const id = uid("param");
    const input = h("input", { id, name, autocomplete: "off", ...attrs });
    inputs.set(name, input);
    return h("div", { class: "field" }, h("label", { for: id }, label), input);
  };
  const params = op.parameters.map((p) => {
    if (p.paramType === "path") return field(p.name, `${p.name} (path)`, { required: true });
    if (p.name === "X-Schemas-Version") return field(p.name, `${p.name} (header)`, { value: version });
    return field(p.name, `${p.name} (${p.paramType})`, { type: p.dataType === "integer" ? "number" : "text", min: p.dataType === "integer" ? 1 : null });
  });
  const queryId = uid("query");
  const query = h("input", { id: queryId, name: "query", autocomplete: "off", placeholder: "name=value&…" });
  let body = null;
  if (method === "POST" || method === "PUT" || requestSchema(op)) {
    const bodyId = uid("body");
    const start = requestSchema(op) ? example(requestSchema(op), doc.models) : {};
    body = h("textarea", { id: bodyId, name: "body", rows: 6, spellcheck: false }, pretty(start));
    body = { input: body, view: h("div", { class: "field wide" }, h("label", { for: bodyId }, "Body (JSON)"), body) };
  }
  const output = h("div", { class: "result", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, `Send ${method}`);

  async function submit(event) {
    event.preventDefault();
    let path = entry.path;
    for (const [name, input] of inputs) {
      if (path.includes(`{${name}}`)) path = path.replace(`{${name}}`, encodeURIComponent(input.value.trim()));
    }
    const headers = {};
    for (const p of op.parameters) {
      const value = inputs.get(p.name).value.trim();
      if (p.paramType === "header" && value) headers[p.name] = value;
    }
    const resource = section.base + path;
    const target = resource + (query.value.trim() ? `?${query.value.trim().replace(/^\?/, "")}` : "");
    button.disabled = true;
    output.setAttribute("aria-busy", "true");
    try {
      const answer = await send(method, target, { headers, body: body ? body.input.value : undefined, anonymous: op.noAuthentication });
      const next = answer.header("x-pagination-cursor-next");
      output.replaceChildren(exchange(answer, {
        next: next && inputs.has("X-Pagination-Cursor") && (() => {
          inputs.get("X-Pagination-Cursor").value = next;
          form.requestSubmit();
        }),
        open: (url) => go(`resource=${encodeURIComponent(url)}&section=${section.name}&version=${version}`),
        resource: method === "DELETE" ? null : entry.path.endsWith("}") ? resource : (id) => `${resource}/${encodeURIComponent(id)}`,
        collection: resource,
      }));
    } catch (error) {
      output.replaceChildren(h("p", { class: "failure", role: "alert" }, String(error.message || error)));
    } finally {
      button.disabled = false;
      output.removeAttribute("aria-busy");
    }
  }

  const form = h("form", { class: "try", onsubmit: submit },
    h("fieldset", {}, h("legend", {}, "Try it"),
      params, h("div", { class: "field" }, h("label", { for: queryId }, "Query string"), query),
      body?.view, button),
    output);
  return form;
}

function headerTable(pairs, caption, kind) {
  return h("table", { class: `headers ${kind}` }, h("caption", {}, caption),
    h("tbody", {}, pairs.map(([name, value]) =>
      h("tr", { class: NOTABLE.has(name.toLowerCase()) ? "notable" : "" }, h("th", { scope: "row" }, name), h("td", {}, h("code", {}, value))))));
}

function masked(headers) {
  return Object.entries(headers).map(([k, v]) => [k, k === "X-Ovh-Consumer" ? `${v.slice(0, 4)}…` : v]);
}

// What was sent and what came back, with the actions the answer allows.
export function exchange(answer, { next, open, resource, collection }) {
  const ok = answer.status < 400;
  const actions = [];
  if (next) actions.push(h("button", { type: "button", class: "next", onclick: next }, "Next page"));
  if (ok && isEnvelope(answer.json) && resource && open) {
    const url = typeof resource === "function" ? resource(answer.json.id) : resource;
    actions.push(h("button", { type: "button", onclick: () => open(url) }, "Open resource view"));
  }
  const items = ok && Array.isArray(answer.json) ? answer.json.filter(isEnvelope) : [];
  return h("div", { class: `exchange ${ok ? "ok" : "failed"}`, "data-status": answer.status },
    h("h6", {}, "Request"),
    h("pre", {}, h("code", {}, `${answer.request.method} ${answer.request.url}`)),
    headerTable(masked(answer.request.headers), "Request headers", "sent"),
    answer.request.body ? h("pre", {}, h("code", {}, answer.request.body)) : null,
    h("h6", {}, `Answer: ${answer.status} ${answer.statusText} (${answer.ms} ms)`),
    !ok && answer.json?.class ? h("p", { class: "failure" }, h("code", {}, answer.json.class), ` ${answer.json.message || ""}`) : null,
    headerTable(answer.headers, "Answer headers", "received"),
    actions.length ? h("div", { class: "actions" }, actions) : null,
    items.length && open
      ? h("ul", { class: "items" }, items.map((item) => h("li", {},
        h("button", { type: "button", onclick: () => open(`${collection}/${encodeURIComponent(item.id)}`) }, `Open ${item.id}`),
        ` ${item.targetSpec?.name || ""} — ${item.resourceStatus}`)))
      : null,
    h("pre", { class: "body" }, h("code", {}, answer.json !== undefined ? pretty(answer.json) : answer.text)));
}
