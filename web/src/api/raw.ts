// A call whose problem body the caller reads itself (the door needs a 409's extension members:
// when and where a ticket was first scanned). Same bearer token and one refresh-and-retry on a
// 401 as client.ts; a network failure is `null`, so the scanner can fall back to its cache.
import { bearer, refresh } from "./session";

async function send(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const all: Record<string, string> = { Accept: "application/json", ...headers };
  const token = bearer();
  if (token) all.Authorization = `Bearer ${token}`;
  if (body !== undefined) all["Content-Type"] = "application/json";
  try {
    return await fetch(path, {
      method,
      headers: all,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    return null;
  }
}

export async function rawCall(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response | null> {
  let response = await send(method, path, body, headers);
  if (response?.status === 401 && bearer() && (await refresh())) response = await send(method, path, body, headers);
  return response;
}
