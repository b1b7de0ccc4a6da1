// The inline Markdown of changelogs and descriptions (`code`, **strong**, *emphasis*,
// [text](https://...)) as tokens, so that the page builds elements from them and never parses
// HTML. Anything else stays text.
const PATTERN = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g;

// [{type: "text"|"code"|"strong"|"em"|"link", text, href?}, ...]
export function inlineTokens(source) {
  const text = String(source ?? "");
  const out = [];
  let at = 0;
  for (const m of text.matchAll(PATTERN)) {
    if (m.index > at) out.push({ type: "text", text: text.slice(at, m.index) });
    if (m[1] !== undefined) out.push({ type: "code", text: m[1] });
    else if (m[2] !== undefined) out.push({ type: "strong", text: m[2] });
    else if (m[3] !== undefined) out.push({ type: "em", text: m[3] });
    else out.push({ type: "link", text: m[4], href: m[5] });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ type: "text", text: text.slice(at) });
  return out;
}
