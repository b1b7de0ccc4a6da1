// A section in one schemas version: its versions and changelog, the differences from the
// previous major, and its routes grouped by path with everything about each operation.
import { fill, h, md, uid } from "./dom.js";
import { changelog, differences, fields, refName, requestSchema, schema, typeLabel } from "./schema.js";
import { tryIt } from "./tryit.js";

const STATUS = { PRODUCTION: "stable", BETA: "beta", DEPRECATED: "deprecated" };
const SERVED = new Set(["current", "supported", "deprecated"]);

// Fill `main` with `section` in `version` (the section's default when empty); `go(hash)` navigates.
export async function renderSection(main, section, version, go) {
  const log = await changelog(section);
  const majors = log ? log.majors.filter((m) => SERVED.has(m.status)) : [];
  const chosen = majors.find((m) => m.version === version)
    || majors.find((m) => String(m.major) === String(version).split(".")[0])
    || majors.find((m) => m.major === log?.defaultMajor);
  const doc = await schema(section, chosen?.version);
  const previous = chosen ? majors.filter((m) => m.major < chosen.major).pop() : undefined;
  const diff = previous ? differences(doc, await schema(section, previous.version)) : null;
  const context = { section, doc, version: chosen?.version || "", go };

  const heading = h("h2", { tabIndex: -1 }, `/${section.name}`);
  fill(main, 
    heading,
    h("p", { class: "description" }, md(section.description)),
    section.branch === "v2"
      ? versionPicker(section, majors, chosen, go)
      : h("p", { class: "note" }, `A ${section.base} section: one version, no X-Schemas-Version.`),
    log && changelogView(log, chosen, previous),
    diff && differencesView(diff, log, chosen, previous),
    h("h3", {}, "Routes"),
    routesView(context, diff, previous),
  );
  return heading;
}

function versionPicker(section, majors, chosen, go) {
  const id = uid("version");
  const select = h(
    "select",
    { id, onchange: () => go(`section=${section.name}&version=${select.value}`) },
    majors.map((m) => h("option", { value: m.version, selected: m === chosen }, `${m.version} — ${m.status}`)),
  );
  const when = chosen && [
    `major ${chosen.major}.x released ${chosen.majorReleased}, ${chosen.version} ${chosen.released}`,
    chosen.deprecated && `deprecated ${chosen.deprecated}`,
    chosen.sunset && `end of availability ${chosen.sunset}`,
  ].filter(Boolean).join("; ");
  return h("div", { class: "picker" }, h("label", { for: id }, "Schemas version "), select, h("span", { class: "note" }, ` ${when || ""}`));
}

function changelogView(log, chosen, previous) {
  const status = new Map(log.majors.map((m) => [m.major, m.status]));
  const majorOf = (version) => Number(version.split(".")[0]);
  const inDiff = (v) => previous && majorOf(v.version) > previous.major && majorOf(v.version) <= chosen.major;
  return h(
    "details",
    { class: "changelog", open: true },
    h("summary", {}, h("h3", {}, "Changelog")),
    h("ol", { reversed: true },
      [...log.versions].reverse().map((v) =>
        h("li", { class: inDiff(v) ? "version in-diff" : "version" },
          h("p", {},
            h("strong", {}, v.version), ` — ${status.get(majorOf(v.version)) || "not served"}, released ${v.released}: `, md(v.summary),
            chosen && majorOf(v.version) === chosen.major ? h("span", { class: "badge" }, "shown") : null),
          v.changes.length ? h("ul", {}, v.changes.map(changeItem)) : null))),
  );
}

function changeItem(c) {
  return h("li", { class: c.breaking ? "breaking" : "" },
    c.breaking ? h("span", { class: "badge breaking" }, "breaking") : h("span", { class: "badge" }, "compatible"),
    " ", h("code", {}, c.route), " ", h("code", {}, c.field), ": ", md(c.description));
}

function differencesView(diff, log, chosen, previous) {
  const changes = log.versions.filter((v) => Number(v.version.split(".")[0]) > previous.major
    && Number(v.version.split(".")[0]) <= chosen.major).flatMap((v) => v.changes);
  const items = [];
  for (const [key, d] of diff.routes) items.push(h("li", { class: `diff-${d.state}` }, h("code", {}, key), ` — ${d.state}`));
  for (const key of diff.removed) items.push(h("li", { class: "diff-removed" }, h("code", {}, key), " — removed"));
  return h("section", { class: "differences", "aria-labelledby": "differences-title" },
    h("h3", { id: "differences-title" }, `Differences from ${previous.version}`),
    items.length ? h("ul", {}, items) : h("p", {}, "No route or model differs."),
    changes.length ? [h("p", {}, "The changelog says:"), h("ul", {}, changes.map(changeItem))] : null);
}

function routesView(context, diff, previous) {
  return context.doc.apis.map((api) =>
    h("section", { class: "route", "aria-label": api.path },
      h("h4", {}, h("code", {}, api.path)),
      api.operations.map((op) =>
        operationView(context, { key: `${op.httpMethod} ${api.path}`, path: api.path, method: op.httpMethod, op },
          diff?.routes.get(`${op.httpMethod} ${api.path}`), previous))));
}

function operationView(context, entry, change, previous) {
  const { op } = entry;
  const models = context.doc.models;
  const status = STATUS[op.apiStatus?.value] || "stable";
  const body = requestSchema(op);
  const marks = diffMarks(change);
  return h("details", { class: `operation ${change ? `diff-${change.state}` : ""}`, "data-key": entry.key },
    h("summary", {},
      h("span", { class: `method ${entry.method.toLowerCase()}` }, entry.method), " ",
      h("code", {}, entry.path), " ",
      h("span", { class: "summary" }, md(op.description)), " ",
      h("span", { class: `badge status-${status}` }, status),
      op.noAuthentication ? h("span", { class: "badge" }, "no authentication") : null,
      change ? h("span", { class: "badge diff" }, change.state === "added" ? `new since ${previous.version}` : `changed since ${previous.version}`) : null),
    h("div", { class: "operation-body" },
      change?.state === "changed" ? changeDetails(change, previous) : null,
      h("h5", {}, "Parameters"),
      op.parameters.length ? parametersTable(op.parameters) : h("p", {}, "None."),
      h("h5", {}, "Request body"),
      body ? modelView(body, models, marks.request) : h("p", {}, "None."),
      h("h5", {}, "Answer"),
      modelView(op.responseType, models, marks.response),
      h("h5", {}, "IAM actions"),
      op.iamActions?.length ? h("ul", {}, op.iamActions.map((a) => h("li", {}, h("code", {}, a.name)))) : h("p", {}, "None."),
      h("h5", {}, "Errors it may answer"),
      op.errors?.length
        ? h("ul", { class: "errors" }, op.errors.map((e) => h("li", {}, h("span", { class: "http" }, e.status), " ", h("code", {}, e.class))))
        : h("p", {}, "None beyond the generic ones."),
      tryIt(context, entry)));
}

// Field path -> "added" or "changed", for the request body and the answer.
function diffMarks(change) {
  const marks = (d) => new Map([...d.added.map((f) => [f, "added"]), ...d.changed.map((f) => [f, "changed"])]);
  if (change?.state !== "changed") return { request: new Map(), response: new Map() };
  return { request: marks(change.request), response: marks(change.response) };
}

function changeDetails(change, previous) {
  const lines = [];
  for (const [part, d] of [["request", change.request], ["answer", change.response]]) {
    for (const f of d.added) lines.push(h("li", { class: "added" }, `+ ${part} `, h("code", {}, f)));
    for (const f of d.removed) lines.push(h("li", { class: "removed" }, `− ${part} `, h("del", {}, h("code", {}, f))));
    for (const f of d.changed) lines.push(h("li", { class: "changed" }, `~ ${part} `, h("code", {}, f), " changed type"));
  }
  return h("div", { class: "differences" }, h("p", {}, `Changed since ${previous.version}:`), h("ul", {}, lines));
}

function parametersTable(parameters) {
  return h("table", {},
    h("thead", {}, h("tr", {}, ["Name", "In", "Type", "Required"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, parameters.map((p) =>
      h("tr", {}, h("td", {}, h("code", {}, p.name)), h("td", {}, p.paramType), h("td", {}, p.dataType), h("td", {}, p.required ? "yes" : "no")))));
}

// A model as a table of its fields (dotted paths); fields in `marked` are highlighted as differences.
const MARKERS = { added: "+ ", changed: "~ " };

function modelView(schemaValue, models, marked) {
  const name = schemaValue?.$ref ? refName(schemaValue.$ref)
    : schemaValue?.items?.$ref ? `array of ${refName(schemaValue.items.$ref)}` : typeLabel(schemaValue, models);
  const rows = [...fields(schemaValue, models)];
  if (!rows.length) return h("p", {}, h("code", {}, name));
  return h("table", { class: "model" },
    h("caption", {}, h("code", {}, name)),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Type"))),
    h("tbody", {}, rows.map(([path, type]) =>
      h("tr", { class: marked.get(path) || "" },
        h("td", {}, marked.has(path) ? h("span", { class: "marker", title: marked.get(path) }, MARKERS[marked.get(path)]) : null, h("code", {}, path)),
        h("td", {}, type)))));
}
