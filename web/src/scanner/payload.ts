// What the door reads from a ticket without the server: the code as typed, and the ticket id
// inside a QR payload (docs/api/tickets.md, "The QR payload": "BX1." + base64url of version,
// ticket id, event id, ...). The signature is the server's to check when online; offline a
// result from the cached list is provisional and the UI says so.

// Codes may be typed in any case, with spaces or dashes (as the API accepts them).
export function normaliseCode(text: string): string {
  return text.toUpperCase().replace(/[\s-]+/g, "");
}

export function isPayload(text: string): boolean {
  return text.trim().startsWith("BX1.");
}

function uuidOf(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The ticket and event ids of a payload, or null when it is not a well-formed version-1 claim.
export function idsOfPayload(payload: string): { ticketId: string; eventId: string } | null {
  const text = payload.trim();
  if (!text.startsWith("BX1.")) return null;
  const body = text.slice(4);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return null;
  let binary: string;
  try {
    binary = atob(body.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  // version, two ids, two length-prefixed strings of at least one byte, a 64-byte signature
  if (bytes.length < 1 + 32 + 4 + 64 || bytes[0] !== 0x01) return null;
  return { ticketId: uuidOf(bytes.subarray(1, 17)), eventId: uuidOf(bytes.subarray(17, 33)) };
}
