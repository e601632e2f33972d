// A third-party check of a crossborder-evidence/1 pack written from docs/evidence-pack.md with the `jose` library (6.x) and
// node:crypto. Not part of the build: run `npm install jose` in a scratch folder, then `node evidence-pack-verify.mjs case.json`.
// Run against packs from the test suite (with and without personal data); it throws at the first check that fails.
import { compactVerify, importJWK, decodeProtectedHeader } from 'jose';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
const pack = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const sha = b => createHash('sha256').update(b).digest();
const b64 = s => Buffer.from(s, 'base64url');
const enc = b => Buffer.from(b).toString('base64url');
const keys = {};
for (const k of pack.keys) keys[k.jwk.kid] = { node: k.node, key: await importJWK(k.jwk, 'ES256'), from: k.validFrom, until: k.validUntil };
async function verify(jws, typ, node) {
  const h = decodeProtectedHeader(jws);
  if (h.typ !== typ || h.alg !== 'ES256') throw new Error(`${typ}: header`);
  const k = keys[h.kid]; if (!k || k.node !== node) throw new Error(`${typ}: key of ${node}`);
  const { payload } = await compactVerify(jws, k.key);
  return { payload: Buffer.from(payload), k };
}
const within = (k, t) => (!k.from || Date.parse(t) >= Date.parse(k.from)) && (!k.until || Date.parse(t) < Date.parse(k.until));
const m = JSON.parse((await verify(pack.manifest, 'crossborder-evidence-manifest+jws', JSON.parse(b64(pack.manifest.split('.')[1])).producer)).payload);
const parts = [];
pack.messages.forEach((x, i) => { parts.push([`messages[${i}]`, x.jws ? sha(Buffer.from(x.jws, 'ascii')) : b64(x.sha256)]); if (x.receipt) parts.push([`messages[${i}].receipt`, sha(Buffer.from(x.receipt, 'ascii'))]); });
pack.auditEntries.forEach((e, i) => { parts.push([`auditEntries[${i}].leaf`, sha(b64(e.leaf))]); parts.push([`auditEntries[${i}].inclusionProof`, sha(Buffer.concat(e.inclusionProof.map(b64)))]); });
parts.push(['checkpoint.jws', sha(Buffer.from(pack.checkpoint.jws, 'ascii'))], ['checkpoint.cosignature', sha(Buffer.from(pack.checkpoint.cosignature, 'ascii'))]);
pack.earlierCheckpoints.forEach((c, k) => parts.push([`earlierCheckpoints[${k}].jws`, sha(Buffer.from(c.jws))], [`earlierCheckpoints[${k}].cosignature`, sha(Buffer.from(c.cosignature))], [`earlierCheckpoints[${k}].consistencyProof`, sha(Buffer.concat(c.consistencyProof.map(b64)))]));
pack.keys.forEach((k, i) => parts.push([`keys[${i}]`, sha(Buffer.from([k.jwk.kty, k.jwk.crv, k.jwk.x, k.jwk.y, k.jwk.kid, k.node, k.validFrom ?? '', k.validUntil ?? ''].map(f => f + '\n').join(''), 'utf8'))]));
if (JSON.stringify(parts.map(([n, d]) => [n, enc(d)])) !== JSON.stringify(m.parts.map(p => [p.name, p.sha256]))) throw new Error('manifest digests');
const peer = [...new Set(pack.keys.map(k => k.node))].find(n => n !== m.producer);
const node = (l, r) => sha(Buffer.concat([Buffer.from([1]), l, r]));
async function checkpoint(c) {
  const { payload } = await verify(c.jws, 'crossborder-checkpoint+jws', m.producer);
  const co = await verify(c.cosignature, 'crossborder-cosignature+jws', peer);
  if (!co.payload.equals(payload)) throw new Error('cosignature payload');
  const p = JSON.parse(payload); return { size: p.treeSize, root: b64(p.rootHash) };
}
const cp = await checkpoint(pack.checkpoint);
function included(leafHash, index, size, path, root) { // RFC 9162 2.1.3.2
  if (index >= size) return false; let fn = index, sn = size - 1, r = leafHash;
  for (const p of path) { if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) { r = node(p, r); while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
    else r = node(r, p); fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  return sn === 0 && r.equals(root);
}
function consistent(m1, n, r1, r2, proof) { // RFC 9162 2.1.4.2
  let path = (m1 & (m1 - 1)) === 0 ? [r1, ...proof] : [...proof]; let fn = m1 - 1, sn = n - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) { if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) { fr = node(c, fr); sr = node(c, sr); while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
    else sr = node(sr, c); fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  return sn === 0 && fr.equals(r1) && sr.equals(r2);
}
for (const c of pack.earlierCheckpoints) { const e = await checkpoint(c); if (!consistent(e.size, cp.size, e.root, cp.root, c.consistencyProof.map(b64))) throw new Error('consistency'); }
for (const e of pack.auditEntries) { const leaf = b64(e.leaf); const entry = JSON.parse(leaf);
  if (entry.referralId !== m.referralId || !included(sha(Buffer.concat([Buffer.from([0]), leaf])), entry.index, cp.size, e.inclusionProof.map(b64), cp.root)) throw new Error(`entry ${entry.index}`); }
for (const x of pack.messages) {
  let digest = x.sha256;
  if (x.jws) { const env = JSON.parse(b64(x.jws.split('.')[1])); const v = await verify(x.jws, 'crossborder-message+jws', env.from); if (!within(v.k, env.sentAt)) throw new Error('validity'); digest = enc(sha(Buffer.from(x.jws, 'ascii'))); }
  if (x.receipt) { const r = JSON.parse(b64(x.receipt.split('.')[1])); await verify(x.receipt, 'crossborder-receipt+jws', r.receiver); if (r.digest !== digest) throw new Error('receipt digest'); }
}
console.log(`verified with jose: ${pack.messages.length} messages, ${pack.auditEntries.length} entries, ${pack.earlierCheckpoints.length} earlier checkpoints, producer ${m.producer}, personalData ${m.personalData}`);
