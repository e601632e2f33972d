// Verification in the browser, with WebCrypto only: RFC 9162 Merkle proofs (SHA-256, 0x00/0x01 domain separation)
// and ES256 JWS signatures (RFC 7515, RFC 7518 §3.4) against the keys the node publishes and pins for its peer.
import { b64url, fromB64url, concat, sha256, equal, utf8, text } from "./bytes.js";

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);
const half = (n) => Math.floor(n / 2);
const odd = (n) => n % 2 === 1;
function isPowerOfTwo(n) {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

export const leafHash = (leaf) => sha256(concat(LEAF, leaf));
const nodeHash = (left, right) => sha256(concat(NODE, left, right));

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when the proof cannot be walked. */
export async function rootFromInclusion(index, size, hash, path) {
  if (index < 0 || index >= size) return null;
  let fn = index, sn = size - 1, r = hash;
  for (const p of path) {
    if (sn === 0) return null;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 ? r : null;
}

/** RFC 9162 §2.1.4.2: whether a consistency proof shows the tree of size `second` extends the one of size `first`. */
export async function verifyConsistency(first, second, firstHash, secondHash, proof) {
  if (first === second) return proof.length === 0 && equal(firstHash, secondHash);
  if (first === 0) return true;
  if (first > second || proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstHash, ...proof] : proof;
  let fn = first - 1, sn = second - 1;
  while (odd(fn)) { fn = half(fn); sn = half(sn); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && equal(fr, firstHash) && equal(sr, secondHash);
}

/** Splits a compact JWS; null when it is not one. */
export function parseJws(jws) {
  const parts = typeof jws === "string" ? jws.split(".") : [];
  if (parts.length !== 3) return null;
  try {
    return {
      header: JSON.parse(text.decode(fromB64url(parts[0]))),
      payloadBytes: fromB64url(parts[1]),
      payload: JSON.parse(text.decode(fromB64url(parts[1]))),
      signingInput: utf8.encode(parts[0] + "." + parts[1]),
      signature: fromB64url(parts[2]),
    };
  } catch {
    return null;
  }
}

/** Verifies an ES256 JWS with the key of its kid among `keys` (JWKs); returns {ok, reason, jws}. */
export async function verifyJws(jws, keys, type) {
  const parsed = parseJws(jws);
  if (!parsed) return { ok: false, reason: "not a compact JWS" };
  const { header } = parsed;
  if (header.alg !== "ES256") return { ok: false, reason: `algorithm ${header.alg} is not ES256`, jws: parsed };
  if (type && header.typ !== type) return { ok: false, reason: `type ${header.typ} is not ${type}`, jws: parsed };
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) return { ok: false, reason: `key ${header.kid} is not a trusted key`, jws: parsed };
  try {
    const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, parsed.signature, parsed.signingInput);
    return { ok, reason: ok ? `signed by key ${header.kid}` : `signature does not verify with key ${header.kid}`, jws: parsed };
  } catch (e) {
    return { ok: false, reason: "key or signature unusable: " + e.message, jws: parsed };
  }
}

/**
 * Checks a checkpoint: its signature by this node, the peer's cosignature over the same payload bytes, and that its
 * payload states the given tree size and root. Returns a list of {ok, what}.
 */
export async function checkCheckpoint(checkpointJws, cosignatureJws, witness, keys, own) {
  const checks = [];
  const mine = keys.filter((k) => k.own);
  const signed = await verifyJws(checkpointJws, mine, "crossborder-checkpoint+jws");
  checks.push({ ok: signed.ok, what: `Checkpoint signature (ES256) by this node (${own}): ${signed.reason}` });
  if (!cosignatureJws) {
    checks.push({ ok: false, what: "Peer cosignature: the peer has not cosigned this checkpoint" });
    return { checks, payload: signed.jws && signed.jws.payload };
  }
  const peerKeys = keys.filter((k) => !k.own && k.owner === witness);
  const cosigned = await verifyJws(cosignatureJws, peerKeys, "crossborder-cosignature+jws");
  checks.push({ ok: cosigned.ok, what: `Peer cosignature (ES256) by ${witness}, with its pinned keys: ${cosigned.reason}` });
  const same = signed.jws && cosigned.jws && equal(signed.jws.payloadBytes, cosigned.jws.payloadBytes);
  checks.push({ ok: !!same, what: "The cosignature covers the very same checkpoint bytes" });
  return { checks, payload: signed.jws && signed.jws.payload };
}

export { b64url, fromB64url, equal, text };
