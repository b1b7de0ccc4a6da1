// Discovery documents and what the console reads in them: sections, operations, models
// flattened to field paths, the differences between two majors, and example bodies.
import { fetchDocument } from "./api.js";

const BRANCHES = [
  { branch: "v2", base: "/v2" },
  { branch: "v1", base: "/1.0" },
];

// Every section of both branches: {name, branch, base, description}.
export async function sections() {
  const out = [];
  for (const { branch, base } of BRANCHES) {
    const index = await fetchDocument(`${base}/`);
    for (const api of index.apis) out.push({ name: api.path.slice(1), branch, base, description: api.description });
  }
  return out;
}

// The section's versions and changelog (v2 only; v1 sections have no schemas versions).
export async function changelog(section) {
  if (section.branch !== "v2") return null;
  return fetchDocument(`${section.base}/${section.name}.changelog.json`);
}

// The section in the console's format, in one schemas version (the default when omitted).
export function schema(section, version) {
  const query = version && section.branch === "v2" ? `?version=${encodeURIComponent(version)}` : "";
  return fetchDocument(`${section.base}/${section.name}.json${query}`);
}

// [{key: "GET /path", path, method, op}] in document order.
export function operations(doc) {
  return doc.apis.flatMap((api) =>
    api.operations.map((op) => ({ key: `${op.httpMethod} ${api.path}`, path: api.path, method: op.httpMethod, op })),
  );
}

export function refName(ref) {
  return ref.split("/").pop();
}

export function resolve(schema, models) {
  return schema && schema.$ref ? models[refName(schema.$ref)] || {} : schema || {};
}

export function requestSchema(op) {
  return op.requestBody?.content?.["application/json"]?.schema || null;
}

// A short type label: "string", "Plan (STANDARD|OVHCLOUD_EDITION)", "array of Foo", "Foo | null".
export function typeLabel(schema, models) {
  if (!schema || Object.keys(schema).length === 0) return "any";
  if (schema.$ref) {
    const target = resolve(schema, models);
    const name = refName(schema.$ref);
    return target.enum ? `${name} (${target.enum.join("|")})` : name;
  }
  if (schema.enum) return `enum (${schema.enum.join("|")})`;
  const variants = schema.anyOf || schema.oneOf;
  if (variants) return variants.map((v) => typeLabel(v, models)).join(" | ");
  if (schema.type === "array") return `array of ${typeLabel(schema.items, models)}`;
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  return schema.format ? `${schema.type} (${schema.format})` : schema.type || "object";
}

// The fields of a schema as a Map of dotted paths ("targetSpec.ipAllowlist[].cidr") to type labels.
export function fields(schema, models, prefix = "", out = new Map(), seen = new Set()) {
  if (!schema) return out;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    if (seen.has(name)) return out;
    return fields(resolve(schema, models), models, prefix, out, new Set([...seen, name]));
  }
  for (const variant of schema.anyOf || schema.oneOf || []) fields(variant, models, prefix, out, seen);
  if (schema.type === "array" && schema.items) {
    const path = `${prefix}[]`;
    fields(schema.items, models, path, out, seen);
  }
  for (const [name, inner] of Object.entries(schema.properties || {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.set(path, typeLabel(inner, models));
    fields(inner, models, path, out, seen);
  }
  return out;
}

function opFields(entry, models) {
  return {
    request: fields(requestSchema(entry.op), models),
    response: fields(entry.op.responseType, models),
  };
}

function compare(now, before) {
  const added = [...now.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !now.has(k));
  const changed = [...now.keys()].filter((k) => before.has(k) && before.get(k) !== now.get(k));
  return { added, removed, changed };
}

// What changed from `before` (a document of the previous major) to `now`, per operation key:
// {routes: Map(key -> {state: "added"|"changed", request, response}), removed: [keys]}.
export function differences(now, before) {
  const routes = new Map();
  const previous = new Map(operations(before).map((e) => [e.key, e]));
  for (const entry of operations(now)) {
    const old = previous.get(entry.key);
    if (!old) {
      routes.set(entry.key, { state: "added" });
      continue;
    }
    const a = opFields(entry, now.models);
    const b = opFields(old, before.models);
    const request = compare(a.request, b.request);
    const response = compare(a.response, b.response);
    const count = (d) => d.added.length + d.removed.length + d.changed.length;
    if (count(request) + count(response) > 0) routes.set(entry.key, { state: "changed", request, response });
  }
  const keys = new Set(operations(now).map((e) => e.key));
  const removed = [...previous.keys()].filter((k) => !keys.has(k));
  return { routes, removed };
}

// A body to start from: the required fields with empty values of their type.
export function example(schema, models, depth = 0) {
  if (!schema || depth > 8) return null;
  if (schema.$ref) return example(resolve(schema, models), models, depth + 1);
  if (schema.enum) return schema.enum[0];
  const variants = schema.anyOf || schema.oneOf;
  if (variants) return example(variants.find((v) => v.type !== "null") || variants[0], models, depth + 1);
  if ("default" in schema && schema.default !== null) return schema.default;
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case "string":
      return "";
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return false;
    case "array":
      return [];
    default: {
      const out = {};
      for (const name of schema.required || []) out[name] = example(schema.properties?.[name], models, depth + 1);
      return out;
    }
  }
}
