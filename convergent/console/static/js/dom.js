import { inlineTokens } from "./markdown.js";

// Inline Markdown (markdown.js) as nodes: text, <code>, <strong>, <em>, <a>.
export function md(source) {
  return inlineTokens(source).map((t) =>
    t.type === "text" ? t.text
      : t.type === "link" ? h("a", { href: t.href, target: "_blank", rel: "noopener" }, t.text)
        : h(t.type, {}, t.text));
}

// A tiny element builder: h("p", {class: "x", onclick: f}, "text", child, [more]).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name in el && !name.includes("-") && name !== "list") el[name] = value;
    else if (value !== false) el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

// Replace the children of `el` (arrays flattened; null, undefined and false left out).
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

// Pretty JSON for display.
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

let counter = 0;
// A unique id for label/for and aria references.
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
