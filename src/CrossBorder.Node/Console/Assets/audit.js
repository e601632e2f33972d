// Auditor pages: search the log, verify an entry's inclusion proof, the checkpoint timeline, a case's timeline.
import { get, call } from "./api.js";
import { el, table, time, verdict, download, problem } from "./ui.js";
import { fromB64url, leafHash, rootFromInclusion, verifyConsistency, checkCheckpoint, equal, text } from "./verify.js";

const KINDS = ["message.sent", "message.received", "message.delivered", "message.redriven", "step.taken", "personal_data.read",
  "token.issued", "console.sign_in", "console.account_changed", "security.message_rejected", "security.token_refused",
  "security.forbidden", "security.idempotency_misuse", "security.witness_refused", "security.sign_in_refused", "attachment.uploaded"];

function hashQuery() { return new URLSearchParams(location.hash.split("?")[1] || ""); }

function field(label, input) {
  return el("div", {}, el("label", { for: input.id }, label), input);
}

function localInput(id, iso) {
  // datetime-local shows local time; the query carries an RFC 3339 UTC instant.
  const value = iso ? new Date(new Date(iso).getTime() - new Date(iso).getTimezoneOffset() * 60000).toISOString().slice(0, 16) : "";
  return el("input", { id, name: id, type: "datetime-local", value });
}

export async function search(view) {
  const q = hashQuery();
  const kind = el("select", { id: "kind", name: "kind" }, el("option", { value: "" }, "any kind"),
    KINDS.map((k) => el("option", { value: k, selected: q.get("kind") === k }, k)));
  const limit = el("select", { id: "limit", name: "limit" }, [10, 25, 50, 100, 500].map((n) =>
    el("option", { value: n, selected: String(n) === (q.get("limit") || "50") }, `${n} per page`)));
  const form = el("form", { class: "filters", id: "search", role: "search" },
    field("From (your local time)", localInput("since", q.get("since"))),
    field("Until (exclusive)", localInput("until", q.get("until"))),
    field("Case (referral id)", el("input", { id: "referralId", name: "referralId", value: q.get("referralId") || "", maxlength: 36, pattern: "[0-9a-fA-F\\-]{36}", placeholder: "uuid" })),
    field("Client", el("input", { id: "client", name: "client", value: q.get("client") || "", maxlength: 100 })),
    field("Kind", kind), field("Page size", limit),
    el("div", {}, el("button", { type: "submit", id: "search-button" }, "Search")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const name of ["since", "until"]) {
      const v = form.elements[name].value;
      if (v) next.set(name, new Date(v).toISOString());
    }
    for (const name of ["referralId", "client", "kind", "limit"]) {
      const v = form.elements[name].value.trim();
      if (v) next.set(name, v);
    }
    location.hash = "#/audit?" + next.toString();
  });
  view.replaceChildren(el("h1", {}, "Audit log"), form);

  const api = new URLSearchParams(q);
  if (!api.has("limit")) api.set("limit", "50");
  let page;
  try {
    page = await get("/api/v1/audit/entries?" + api.toString());
  } catch (e) {
    view.append(problem(e));
    return;
  }
  const toolbar = el("div", { class: "toolbar" },
    el("span", { id: "result-count" }, `${page.items.length} entr${page.items.length === 1 ? "y" : "ies"} on this page`),
    q.has("cursor") ? el("a", { href: "#/audit?" + without(q, "cursor") }, "First page") : null,
    page.nextCursor ? el("a", { href: "#/audit?" + withParam(q, "cursor", page.nextCursor), id: "next-page" }, "Next page") : null,
    el("button", { type: "button", class: "secondary", id: "export-csv", onclick: () => exportCsv(api) }, "Export this page as CSV"));
  view.append(toolbar, table([
    { title: "Index", value: (e) => el("a", { href: `#/audit/entry/${e.index}`, class: "entry-link" }, String(e.index)) },
    { title: "Time (UTC)", value: (e) => time(e.time) },
    { title: "Kind", value: (e) => e.kind },
    { title: "Client", value: (e) => e.client },
    { title: "Case", value: (e) => e.referralId ? el("a", { href: `#/case/${e.referralId}` }, e.referralId.slice(0, 8) + "…") : "" },
    { title: "Message", value: (e) => e.messageType || (e.messageId ? e.messageId.slice(0, 8) + "…" : "") },
    { title: "Code", value: (e) => e.code },
    { title: "Detail", value: (e) => e.detail },
  ], page.items, "entries"));
}

function without(q, name) { const c = new URLSearchParams(q); c.delete(name); return c.toString(); }
function withParam(q, name, value) { const c = new URLSearchParams(q); c.set(name, value); return c.toString(); }

async function exportCsv(api) {
  const response = await call("/api/v1/audit/entries?" + api.toString(), { accept: "text/csv", raw: true });
  if (!response.ok) { alertProblem(await response.text()); return; }
  download("audit-entries.csv", await response.blob());
}

function alertProblem(message) {
  document.getElementById("view").append(el("p", { class: "error", role: "alert" }, message));
}

export async function entry(view, indexText) {
  const index = Number(indexText);
  const query = index > 0 ? `cursor=${index - 1}&limit=1` : "limit=1";
  const [page, checkpoint, keys] = await Promise.all([
    get("/api/v1/audit/entries?" + query), get("/api/v1/audit/checkpoints/latest"), get("/api/v1/operations/keys"),
  ]);
  const e = page.items[0];
  if (!e || e.index !== index) { view.replaceChildren(el("h1", {}, `Entry ${index}`), el("p", {}, "No such entry yet.")); return; }
  const leaf = fromB64url(e.leaf);
  let content = null;
  try { content = JSON.parse(text.decode(leaf)); } catch { content = null; }

  view.replaceChildren(el("h1", {}, `Audit entry ${index}`));
  const fields = el("dl", { class: "fields", id: "entry-fields" });
  for (const [k, v] of Object.entries(content || {})) if (v !== null) fields.append(el("dt", {}, k), el("dd", { class: "mono" }, String(v)));
  view.append(el("h2", {}, "What the log committed to (read from the leaf in this page)"),
    content ? fields : el("p", { class: "error" }, "The leaf is not readable JSON."));
  if (e.referralId) view.append(el("p", {}, el("a", { href: `#/case/${e.referralId}` }, "This case's timeline")));

  const size = checkpoint.treeSize;
  if (index >= size) {
    view.append(el("p", { class: "note", id: "not-yet" }, `This entry is not in a checkpoint yet (latest covers ${size} entries): reload in a few seconds.`));
    return;
  }
  const proof = await get(`/api/v1/audit/entries/${index}/proof?treeSize=${size}`);
  const checks = [];
  checks.push({ ok: !!content && content.index === index, what: `The leaf names index ${index}` });
  const computed = await rootFromInclusion(index, proof.treeSize, await leafHash(leaf), proof.auditPath.map(fromB64url));
  const cp = await checkCheckpoint(checkpoint.checkpoint, checkpoint.cosignature && checkpoint.cosignature.jws,
    checkpoint.cosignature && checkpoint.cosignature.witness, keys.items.map(keyOf), keys.items.find((k) => k.own)?.owner);
  const signedRoot = cp.payload && cp.payload.rootHash ? fromB64url(cp.payload.rootHash) : null;
  checks.push({ ok: !!cp.payload && cp.payload.treeSize === proof.treeSize, what: `The signed checkpoint is of tree size ${proof.treeSize}` });
  checks.push({
    ok: !!computed && !!signedRoot && equal(computed, signedRoot),
    what: `SHA-256 leaf hash and the ${proof.auditPath.length}-hash RFC 9162 inclusion path lead to the signed checkpoint's root`,
  });
  checks.push(...cp.checks);
  const ok = checks.every((c) => c.ok);
  view.append(el("h2", {}, "Inclusion proof, verified in this browser"), ...verdict(ok, checks),
    el("p", { class: "note" }, `Checkpoint of ${size} entries signed at ${time(checkpoint.time)}; keys from /api/v1/operations/keys (this node's published keys, the peer's pinned keys).`));
}

const keyOf = (k) => ({ kid: k.kid, x: k.x, y: k.y, own: k.own, owner: k.owner });

export async function checkpoints(view) {
  const q = hashQuery();
  const [page, keys] = await Promise.all([
    get("/api/v1/operations/checkpoints?limit=20" + (q.get("cursor") ? "&cursor=" + encodeURIComponent(q.get("cursor")) : "")),
    get("/api/v1/operations/keys"),
  ]);
  const items = page.items; // newest first
  const own = keys.items.find((k) => k.own)?.owner;
  const rows = [];
  let all = true;
  for (let i = 0; i < items.length; i++) {
    const c = items[i];
    const cp = await checkCheckpoint(c.checkpoint, c.cosignature, c.witness, keys.items.map(keyOf), own);
    const rootOk = !!cp.payload && cp.payload.treeSize === c.treeSize;
    let consistent = null;
    const older = items[i + 1];
    if (older && cp.payload) {
      const olderPayload = (await checkCheckpoint(older.checkpoint, older.cosignature, older.witness, keys.items.map(keyOf), own)).payload;
      const proof = await get(`/api/v1/audit/consistency?from=${older.treeSize}&to=${c.treeSize}`);
      consistent = !!olderPayload && await verifyConsistency(older.treeSize, c.treeSize, fromB64url(olderPayload.rootHash),
        fromB64url(cp.payload.rootHash), proof.proof.map(fromB64url));
    }
    const sigOk = cp.checks[0].ok, cosOk = cp.checks.slice(1).every((x) => x.ok);
    all = all && sigOk && cosOk && rootOk && consistent !== false;
    rows.push({ c, sigOk, cosOk, consistent });
  }
  const tag = (ok, yes, no) => el("span", { class: "tag " + (ok ? "ok" : "bad") }, ok ? yes : no);
  view.replaceChildren(el("h1", {}, "Checkpoints"),
    ...verdict(all, [{ ok: all, what: `${items.length} checkpoints: signatures, peer cosignatures and RFC 9162 consistency between consecutive ones` }], "timeline-verdict"),
    table([
      { title: "Tree size", value: (r) => String(r.c.treeSize) },
      { title: "Signed at (UTC)", value: (r) => time(r.c.time) },
      { title: "Root hash", value: (r) => r.c.rootHash, mono: true },
      { title: "Signature", value: (r) => tag(r.sigOk, "verified", "not verified") },
      { title: "Peer cosignature", value: (r) => r.c.cosignature ? tag(r.cosOk, `verified (${r.c.witness})`, "not verified") : tag(false, "", "missing") },
      { title: "Consistent with the previous", value: (r) => r.consistent === null ? "—" : tag(r.consistent, "consistent", "NOT consistent") },
    ], rows, "checkpoints"),
    page.nextCursor ? el("a", { href: "#/checkpoints?cursor=" + encodeURIComponent(page.nextCursor) }, "Older checkpoints") : "");
}

export async function caseTimeline(view, id) {
  const input = el("input", { id: "case-id", name: "id", value: id || "", maxlength: 36, pattern: "[0-9a-fA-F\\-]{36}", required: true, placeholder: "referral id (uuid)" });
  const form = el("form", { class: "filters", id: "case-form" }, field("Case (referral id)", input),
    el("div", {}, el("button", { type: "submit" }, "Show timeline")));
  form.addEventListener("submit", (e) => { e.preventDefault(); location.hash = "#/case/" + input.value.trim(); });
  view.replaceChildren(el("h1", {}, "Case timeline"), form);
  if (!id) return;
  let t;
  try { t = await get(`/api/v1/operations/cases/${id}/timeline`); } catch (e) { view.append(problem(e)); return; }
  const fields = el("dl", { class: "fields" });
  for (const [k, v] of [["Reference", t.reference], ["Direction", t.direction], ["Status", t.status], ["Legal basis", t.legalBasis],
    ["Requesting state", t.requestingState], ["Requested state", t.requestedState], ["Created (UTC)", time(t.createdAt)]])
    fields.append(el("dt", {}, k), el("dd", {}, v));
  const evidence = el("p", { id: "evidence" }, el("span", { class: "note" }, "Looking for an evidence pack…"));
  view.append(fields, evidence, el("p", {}, el("a", { href: "#/audit?referralId=" + t.referralId }, "This case's audit entries")),
    el("h2", {}, "Deadlines"),
    t.deadlines.length ? table([
      { title: "Deadline", value: (d) => d.name },
      { title: "Due (UTC)", value: (d) => time(d.dueAt) },
      { title: "", value: (d) => el("span", { class: "tag " + (d.lapsed ? "bad" : "ok") }, d.lapsed ? "passed" : "open") },
    ], t.deadlines, "deadlines") : el("p", { class: "note" }, "No deadline running."),
    el("h2", {}, "Steps"),
    table([
      { title: "Legal time (UTC)", value: (s) => time(s.legalAt || s.at) },
      { title: "Step", value: (s) => s.step + (s.outcome ? ` (${s.outcome})` : "") },
      { title: "By", value: (s) => s.takenBy },
      { title: "Status", value: (s) => `${s.fromStatus} → ${s.toStatus}` },
      { title: "State", value: (s) => s.state },
      { title: "Deadline", value: (s) => s.inTime === null ? "" : el("span", { class: "tag " + (s.inTime ? "ok" : "bad") }, s.inTime ? "in time" : "late") },
    ], t.steps, "steps"),
    el("h2", {}, "Messages and receipts"),
    table([
      { title: "Sent (UTC)", value: (m) => time(m.sentAt) },
      { title: "Direction", value: (m) => m.direction },
      { title: "Seq", value: (m) => String(m.seq) },
      { title: "Type", value: (m) => m.type },
      { title: "State", value: (m) => m.state },
      { title: "Receipt (UTC)", value: (m) => time(m.receiptAt) },
      { title: "Digest (SHA-256)", value: (m) => m.digest, mono: true },
    ], t.messages, "messages"));
  // The evidence pack is offered only where the node serves it.
  const response = await call(`/api/v1/referrals/${t.referralId}/evidence`, { raw: true }).catch(() => null);
  if (response && response.ok) {
    const blob = await response.blob();
    evidence.replaceChildren(el("button", { type: "button", id: "evidence-download", onclick: () => download(`evidence-${t.referralId}.json`, blob) }, "Download the evidence pack"));
  } else {
    evidence.replaceChildren(el("span", { class: "note" }, "No evidence pack is served for this case on this node."));
  }
}
