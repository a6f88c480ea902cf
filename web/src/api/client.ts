// Every call to /api/v1 goes through here: the bearer token, one refresh-and-retry on a 401,
// and errors as ApiError (problem+json). Nothing from an answer is ever put into the page as
// HTML: components render text, which Preact escapes.
import { ApiError, networkError, problemFrom } from "./problem";
import { bearer, refresh } from "./session";

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function send(method: string, path: string, options: CallOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const token = bearer();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: "no-store",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw networkError();
  }
}

// The raw response (for 304s and binary bodies); throws ApiError for any status >= 400.
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  let response = await send(method, path, options);
  if (response.status === 401 && bearer() && (await refresh())) response = await send(method, path, options);
  if (response.status >= 400) throw await problemFrom(response);
  return response;
}

export async function getJson<T>(path: string, options: CallOptions = {}): Promise<T> {
  return (await (await call("GET", path, options)).json()) as T;
}

export async function postJson<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
  return (await (await call("POST", path, { ...options, body })).json()) as T;
}

export { ApiError };
