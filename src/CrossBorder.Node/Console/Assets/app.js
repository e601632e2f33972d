// The console: signs the person in, then routes between the pages of their role (hash routes, keyboard-usable links).
import { completeSignIn, session, signIn, signOutLocally } from "./auth.js";
import { el, problem } from "./ui.js";
import * as audit from "./audit.js";
import * as ops from "./ops.js";

const AUDITOR = "audit.read", OPERATOR = "operations";

const routes = [
  { path: /^#\/audit$/, title: "Audit log", scope: AUDITOR, nav: "#/audit", page: audit.search },
  { path: /^#\/audit\/entry\/(\d+)$/, title: "Audit entry", scope: AUDITOR, page: audit.entry },
  { path: /^#\/checkpoints$/, title: "Checkpoints", scope: AUDITOR, nav: "#/checkpoints", page: audit.checkpoints },
  { path: /^#\/case\/([0-9a-fA-F-]{36})$/, title: "Case timeline", scope: AUDITOR, page: audit.caseTimeline },
  { path: /^#\/case$/, title: "Case timeline", scope: AUDITOR, nav: "#/case", page: audit.caseTimeline },
  { path: /^#\/ops\/messages$/, title: "Messages", scope: OPERATOR, nav: "#/ops/messages", page: ops.messages },
  { path: /^#\/ops\/dead-letters$/, title: "Dead letters", scope: OPERATOR, nav: "#/ops/dead-letters", page: ops.deadLetters },
  { path: /^#\/ops\/peers$/, title: "Peers and keys", scope: OPERATOR, nav: "#/ops/peers", page: ops.peers },
  { path: /^#\/ops\/throughput$/, title: "Throughput", scope: OPERATOR, nav: "#/ops/throughput", page: ops.throughput },
];

function scopes() { return (session()?.scope || "").split(" ").filter(Boolean); }

function renderNav() {
  const nav = document.getElementById("nav");
  const held = scopes();
  nav.replaceChildren(...routes.filter((r) => r.nav && held.includes(r.scope)).map((r) =>
    el("a", { href: r.nav, "aria-current": location.hash.startsWith(r.nav) ? "page" : null }, r.title)));
  document.getElementById("who").textContent = held.includes(AUDITOR) ? "Signed in as auditor" : held.includes(OPERATOR) ? "Signed in as operator" : "";
}

async function route() {
  const view = document.getElementById("view");
  const held = scopes();
  if (!location.hash || location.hash === "#/") {
    location.replace(held.includes(AUDITOR) ? "#/audit" : "#/ops/messages");
    return;
  }
  renderNav();
  const match = routes.map((r) => ({ r, m: location.hash.split("?")[0].match(r.path) })).find((x) => x.m);
  if (!match) { view.replaceChildren(el("h1", {}, "Not found"), el("p", {}, "No such page.")); return; }
  document.title = match.r.title + " - CrossBorder console";
  if (!held.includes(match.r.scope)) {
    view.replaceChildren(el("h1", {}, match.r.title), el("p", { class: "error", role: "alert" }, "Your role does not give access to this page."));
    return;
  }
  view.replaceChildren(el("h1", {}, match.r.title), el("p", { class: "note" }, "Loading…"));
  try {
    await match.r.page(view, ...match.m.slice(1));
  } catch (e) {
    view.append(problem(e));
  }
  view.focus({ preventScroll: true });
}

async function start() {
  document.getElementById("sign-out").addEventListener("click", () => signOutLocally());
  try {
    await completeSignIn();
  } catch (e) {
    document.getElementById("view").replaceChildren(el("h1", {}, "Sign-in failed"), problem(e),
      el("p", {}, el("a", { href: "/console/" }, "Try again")));
    return;
  }
  if (!session()) { await signIn(); return; }
  window.addEventListener("hashchange", route);
  await route();
}

start();
