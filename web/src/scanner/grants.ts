// The events an account was made a Scanner of (GET /api/v1/admission/grants): the door's event
// chooser lists them, and the header offers the door to an account that has any.
import { useEffect, useState } from "preact/hooks";
import { getJson } from "../api/client";
import type { Page } from "../api/types";

export interface ScannerGrant {
  eventId: string;
  eventName: string;
  eventStatus: string;
  startsAt: string;
  timezone: string;
  grantedAt: string;
}

export function scannerGrants(size = 100): Promise<Page<ScannerGrant>> {
  return getJson<Page<ScannerGrant>>(`/api/v1/admission/grants?page=1&size=${size}`);
}

// Whether the signed-in account (by id; null: nobody) holds at least one grant. Asked once per
// account; a failure counts as none (the door stays reachable by its link).
export function useHasScannerGrants(userId: string | null, ask: boolean): boolean {
  const [has, setHas] = useState(false);
  useEffect(() => {
    setHas(false);
    if (!userId || !ask) return;
    let current = true;
    scannerGrants(1).then(
      (page) => current && setHas(page.totalItems > 0),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [userId, ask]);
  return has;
}
