// Sign-in: OAuth 2.0 authorization code with PKCE (RFC 7636) against this node's own token server.
// The access token lives in this tab's sessionStorage only; the sign-in cookie is the token server's, HttpOnly.
import { b64url, fromB64url, text } from "./bytes.js";

const CLIENT = "console";
const REDIRECT = location.origin + "/console/";
const KEY = "crossborder.console";

function saved() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || "{}"); } catch { return {}; }
}
function save(value) { sessionStorage.setItem(KEY, JSON.stringify(value)); }

export function session() {
  const s = saved();
  return s.token && s.expiresAt > Date.now() + 5000 ? s : null;
}

export function signOutLocally() { sessionStorage.removeItem(KEY); }

/** Goes to the authorization endpoint; comes back to /console/ with a code (after the login page, when needed). */
export async function signIn() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  save({ verifier, state, returnTo: location.hash || "#/" });
  const q = new URLSearchParams({
    client_id: CLIENT, response_type: "code", redirect_uri: REDIRECT, scope: "audit.read operations",
    code_challenge: challenge, code_challenge_method: "S256", state,
  });
  location.assign("/connect/authorize?" + q.toString());
}

/** Finishes a sign-in when the page was opened by the authorization endpoint's redirect. */
export async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return null;
  const pending = saved();
  history.replaceState(null, "", "/console/" + (pending.returnTo || "#/"));
  if (params.get("error")) throw new Error("The sign-in was refused: " + params.get("error"));
  if (!pending.verifier || params.get("state") !== pending.state) throw new Error("The sign-in answer does not match this tab's request.");
  const response = await fetch("/connect/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: params.get("code"), redirect_uri: REDIRECT, client_id: CLIENT,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error("The token server refused the sign-in: " + (body.error_description || body.error));
  const value = {
    token: body.access_token, scope: body.scope || scopeOf(body.access_token), expiresAt: Date.now() + (body.expires_in || 300) * 1000,
  };
  save(value);
  return value;
}

/** The scopes an access token grants (a signed JWT: its payload is readable; the API checks its signature). */
function scopeOf(token) {
  try {
    const payload = JSON.parse(text.decode(fromB64url(token.split(".")[1])));
    return Array.isArray(payload.scope) ? payload.scope.join(" ") : payload.scope || "";
  } catch {
    return "";
  }
}
