// Live availability: the inventory module's push channel (Server-Sent Events on
// GET /api/v1/inventory/{eventId}/status). EventSource reconnects by itself; every message is the
// whole availability document, so a lost one costs nothing.
import { useEffect, useState } from "preact/hooks";
import type { Availability } from "./types";

export function useAvailability(eventId: string): { availability: Availability | null; connected: boolean } {
  const [availability, setAvailability] = useState<Availability | null>(null);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource(`/api/v1/inventory/${encodeURIComponent(eventId)}/status`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.onmessage = (message) => {
      try {
        setAvailability(JSON.parse(message.data) as Availability);
        setConnected(true);
      } catch {
        // a malformed document is skipped; the next one replaces it anyway
      }
    };
    return () => source.close();
  }, [eventId]);
  return { availability, connected };
}
