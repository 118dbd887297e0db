// The one way the console reaches the server: the REST API under /api/v1 with a bearer token. The token lives in
// sessionStorage (gone with the tab), never in a cookie, so other sites cannot ride on it.
const KEY = "mailroom.session";

export class ApiError extends Error {
  constructor(status, body) {
    const detail = (body && body.error) || {};
    super(detail.message || `HTTP ${status}`);
    this.status = status;
    this.code = detail.code || "http_" + status;
    this.field = detail.field || null;
    this.details = detail;
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(value) {
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
}

let onSignedOut = () => {};
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const current = session();
  if (current) headers.Authorization = "Bearer " + current.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch("/api/v1" + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    // A token that stopped working (expired, password changed, user deactivated) means signing in again.
    if (response.status === 401 && current && path !== "/auth/login") {
      saveSession(null);
      onSignedOut(error);
    }
    throw error;
  }
  return data;
}

/** A binary answer (an attachment) as a Blob, with the same token and the same errors as `api`. */
export async function download(path) {
  const current = session();
  const response = await fetch("/api/v1" + path, { headers: current ? { Authorization: "Bearer " + current.token } : {} });
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  return response.blob();
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

export async function signIn(email, password) {
  const answer = await post("/auth/login", { email, password });
  saveSession({ token: answer.token, user: answer.user });
  return answer.user;
}
