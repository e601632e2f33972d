// Calls to the node's API with the person's bearer token; a problem document becomes an Error with its detail.
import { session, signIn } from "./auth.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || "HTTP " + status);
    this.status = status;
    this.problem = problem;
  }
}

export async function call(path, { method = "GET", accept = "application/json", raw = false } = {}) {
  const s = session();
  if (!s) { await signIn(); throw new ApiError(401, { title: "Signing in again…" }); }
  const response = await fetch(path, { method, headers: { Authorization: "Bearer " + s.token, Accept: accept } });
  if (response.status === 401) { await signIn(); throw new ApiError(401, { title: "Signing in again…" }); }
  if (raw) return response;
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof body === "object" ? body : { title: body });
  return body;
}

export const get = (path) => call(path);
export const post = (path) => call(path, { method: "POST" });
