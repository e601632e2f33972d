// Small DOM helpers: every value is set as text (never parsed as HTML), so nothing the API returns can run.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

export function table(columns, rows, id) {
  return el("table", { id },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.title)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, columns.map((c) => {
      const v = c.value(r);
      return el("td", { class: c.mono ? "mono" : null }, v === null || v === undefined ? "" : v);
    })))));
}

export function time(value) {
  if (!value) return "";
  const d = new Date(value);
  return isNaN(d) ? String(value) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z").replace(/:00Z$/, ":00Z");
}

export function age(seconds) {
  if (seconds === null || seconds === undefined) return "none";
  if (seconds < 90) return Math.round(seconds) + " s";
  if (seconds < 5400) return Math.round(seconds / 60) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}

export function verdict(ok, checks, id = "verdict") {
  return [
    el("div", { class: "verdict " + (ok ? "ok" : "bad"), id, role: "status" }, ok ? "Verified" : "Not verified"),
    el("ul", { class: "checks", id: id + "-checks" }, checks.map((c) => el("li", { class: c.ok ? "ok" : "bad" }, c.what))),
  ];
}

export function problem(error) {
  return el("p", { class: "error", role: "alert" }, error.message || String(error));
}

export function confirmDialog(message) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = message;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "cancel";
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}

/** Offers text as a file download (object URL; nothing leaves the page). */
export function download(filename, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
