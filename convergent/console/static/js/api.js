// Signed calls, as OVHcloud's clients make them. Credentials stay in this tab (sessionStorage).
//
// X-Ovh-Signature = "$1$" + hex(SHA-1(AS + "+" + CK + "+" + METHOD + "+" + URL + "+" + BODY + "+" + TS))
// where URL is exactly what fetch sends and TS is the server's time (GET /auth/time).

const STORE = "convergent.credentials";

export function credentials() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE)) || null;
  } catch {
    return null;
  }
}

export function saveCredentials(value) {
  if (value) sessionStorage.setItem(STORE, JSON.stringify(value));
  else sessionStorage.removeItem(STORE);
}

let delta = null; // server time minus local time, in seconds

async function serverTime() {
  if (delta === null) {
    const answer = await fetch(new URL("/auth/time", location.origin).href);
    delta = (await answer.json()) - Math.floor(Date.now() / 1000);
  }
  return Math.floor(Date.now() / 1000) + delta;
}

export async function sign(secret, consumer, method, url, body, timestamp) {
  const text = [secret, consumer, method.toUpperCase(), url, body, timestamp].join("+");
  return "$1$" + (await sha1hex(new TextEncoder().encode(text)));
}

async function sha1hex(bytes) {
  // crypto.subtle exists only in secure contexts (https, localhost, 127.0.0.1): elsewhere,
  // e.g. a console reached over plain http on a LAN address, compute SHA-1 here.
  if (globalThis.crypto && crypto.subtle) {
    return hex(new Uint8Array(await crypto.subtle.digest("SHA-1", bytes)));
  }
  return hex(sha1(bytes));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// SHA-1 (FIPS 180-4) over bytes; used only where crypto.subtle is missing.
export function sha1(bytes) {
  const length = bytes.length;
  const words = new Uint32Array((((length + 8) >> 6) + 1) * 16);
  for (let i = 0; i < length; i++) words[i >> 2] |= bytes[i] << (24 - (i % 4) * 8);
  words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
  words[words.length - 1] = length * 8;
  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Uint32Array(80);
  const rotl = (x, n) => (x << n) | (x >>> (32 - n));
  for (let block = 0; block < words.length; block += 16) {
    for (let t = 0; t < 80; t++) w[t] = t < 16 ? words[block + t] : rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    let [a, b, c, d, e] = state;
    for (let t = 0; t < 80; t++) {
      const f = t < 20 ? (b & c) | (~b & d) : t < 40 ? b ^ c ^ d : t < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const k = t < 20 ? 0x5a827999 : t < 40 ? 0x6ed9eba1 : t < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const next = (rotl(a, 5) + f + e + k + w[t]) >>> 0;
      [a, b, c, d, e] = [next, a, rotl(b, 30) >>> 0, c, d];
    }
    state[0] = (state[0] + a) >>> 0;
    state[1] = (state[1] + b) >>> 0;
    state[2] = (state[2] + c) >>> 0;
    state[3] = (state[3] + d) >>> 0;
    state[4] = (state[4] + e) >>> 0;
  }
  const out = new Uint8Array(20);
  state.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v));
  return out;
}

// Send a call. `path` is the absolute path with its query ("/v2/iam/policy?x=1"); `body` a
// string or undefined. Signed unless `anonymous`. Answers what was sent and what came back.
export async function send(method, path, { headers = {}, body, anonymous = false } = {}) {
  const url = new URL(path, location.origin).href;
  const sent = { ...headers };
  if (body !== undefined && body !== "") sent["Content-Type"] = "application/json";
  if (!anonymous) {
    const keys = credentials();
    if (!keys) throw new Error("Enter credentials first (application key, secret and consumer key).");
    const timestamp = String(await serverTime());
    sent["X-Ovh-Application"] = keys.applicationKey;
    sent["X-Ovh-Consumer"] = keys.consumerKey;
    sent["X-Ovh-Timestamp"] = timestamp;
    sent["X-Ovh-Signature"] = await sign(keys.applicationSecret, keys.consumerKey, method, url, body || "", timestamp);
  }
  const started = performance.now();
  const response = await fetch(url, { method, headers: sent, body: body || undefined, cache: "no-store" });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return {
    request: { method, url, headers: sent, body },
    status: response.status,
    statusText: response.statusText,
    headers: Array.from(response.headers.entries()),
    header: (name) => response.headers.get(name),
    text,
    json,
    ms: Math.round(performance.now() - started),
  };
}

// Unsigned GET of a public document (discovery), as JSON.
export async function fetchDocument(path) {
  const response = await fetch(new URL(path, location.origin).href);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}
