// Operator pages: message states, dead letters and their re-drive, peers and keys, throughput and latency charts.
import { get, post } from "./api.js";
import { el, table, time, age, confirmDialog, problem } from "./ui.js";
import { lineChart } from "./chart.js";

export async function messages(view) {
  const s = await get("/api/v1/operations/messages/summary");
  view.replaceChildren(el("h1", {}, "Messages"),
    el("div", { class: "cards" },
      el("div", { class: "card" }, el("div", {}, "Oldest undelivered message"), el("div", { class: "big", id: "oldest-pending" }, age(s.oldestPendingAgeSeconds)),
        el("div", { class: "note" }, s.oldestPendingSentAt ? "sent " + time(s.oldestPendingSentAt) : "nothing waiting")),
      el("div", { class: "card" }, el("div", {}, "Dead letters"), el("div", { class: "big", id: "dead-letter-count" }, String(s.deadLetters)),
        el("a", { href: "#/ops/dead-letters" }, "Review and re-drive"))),
    el("h2", {}, "By direction and state"),
    table([
      { title: "Direction", value: (r) => r.direction },
      { title: "State", value: (r) => r.state },
      { title: "Messages", value: (r) => String(r.count) },
    ], s.states, "states"),
    el("p", { class: "note" }, "As of " + time(s.at)));
}

export async function deadLetters(view, notice) {
  const page = await get("/api/v1/operations/dead-letters?limit=100");
  const status = el("p", { id: "redrive-status", role: "status" }, notice || "");
  view.replaceChildren(el("h1", {}, "Dead letters"), status,
    page.items.length === 0 ? el("p", { id: "no-dead-letters" }, "No dead letters.") : table([
      { title: "Sent (UTC)", value: (d) => time(d.sentAt) },
      { title: "To", value: (d) => d.to },
      { title: "Type", value: (d) => `${d.type} #${d.seq}` },
      { title: "Case", value: (d) => d.referralId },
      { title: "Attempts", value: (d) => String(d.attempts) },
      { title: "Reason", value: (d) => d.reason || "" },
      { title: "", value: (d) => el("button", { type: "button", class: "danger redrive", "data-message": d.messageId,
          "aria-label": `Re-drive message ${d.messageId}`, onclick: () => redrive(view, d) }, "Re-drive") },
    ], page.items, "dead-letters"),
    page.nextCursor ? el("p", { class: "note" }, "Showing the oldest 100.") : "");
}

async function redrive(view, d) {
  const ok = await confirmDialog(`Re-drive the ${d.type} message (#${d.seq}) to ${d.to}? It is queued again with its original id and signature, and the re-drive is recorded in the audit log.`);
  if (!ok) return;
  try {
    const result = await post(`/api/v1/operations/dead-letters/${d.messageId}/redrive`);
    await deadLetters(view, `Message ${result.messageId} re-queued.`);
  } catch (e) {
    view.prepend(problem(e));
  }
}

export async function peers(view) {
  const [p, k] = await Promise.all([get("/api/v1/operations/peers"), get("/api/v1/operations/keys")]);
  view.replaceChildren(el("h1", {}, "Peers and keys"),
    table([
      { title: "Peer", value: (r) => r.country },
      { title: "URL", value: (r) => r.url, mono: true },
      { title: "Circuit breaker", value: (r) => el("span", { class: "tag " + (r.breaker === "closed" ? "ok" : "bad") }, r.breaker) },
      { title: "Paused until", value: (r) => time(r.pausedUntil) },
      { title: "Queued", value: (r) => String(r.queued) },
      { title: "Dead letters", value: (r) => String(r.deadLetters) },
      { title: "Last delivery (UTC)", value: (r) => time(r.lastDeliveredAt) },
      { title: "Last cosignature (UTC)", value: (r) => time(r.lastCosignedAt) },
    ], p.items, "peers"),
    el("p", { class: "note" }, "The breaker state is this replica's; counts and times come from the database."),
    el("h2", {}, "Signing keys"),
    table([
      { title: "Owner", value: (r) => r.own ? `${r.owner} (this node)` : `${r.owner} (pinned)` },
      { title: "Key id", value: (r) => r.kid, mono: true },
      { title: "Use", value: (r) => r.own ? (r.current ? "signs now" : "retired, verifies old records") : "verifies the peer" },
      { title: "Expires", value: (r) => r.notAfter ? `${time(r.notAfter)} (${Math.floor(r.daysLeft)} days)` : "no validity period configured" },
    ], k.items, "keys"));
}

export async function throughput(view) {
  const t = await get("/api/v1/operations/throughput?minutes=60");
  const labels = t.buckets.map((b) => b.start);
  view.replaceChildren(el("h1", {}, "Throughput and latency, last hour"),
    lineChart("Messages per minute", labels, [
      { name: "sent", values: t.buckets.map((b) => b.sent) },
      { name: "delivered", values: t.buckets.map((b) => b.delivered) },
      { name: "received", values: t.buckets.map((b) => b.received) },
    ], "messages", "throughput-chart"),
    lineChart("Delivery latency (send to signed receipt)", labels, [
      { name: "median", values: t.buckets.map((b) => b.latencyP50Ms) },
      { name: "95th percentile", values: t.buckets.map((b) => b.latencyP95Ms) },
      { name: "maximum", values: t.buckets.map((b) => b.latencyMaxMs) },
    ], "ms", "latency-chart"),
    el("p", { class: "note" }, `From ${time(t.from)} to ${time(t.to)}, one point per minute.`));
}
