// Idempotency-Key values. One key belongs to one purchase intent (these seats, this payment):
// every press of the button for that intent sends the same key, so a double click or a retry
// after a lost answer makes one order; the server replays its first answer.
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
