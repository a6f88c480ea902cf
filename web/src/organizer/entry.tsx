// What the app shell needs of the back office, kept tiny: the nav link (shown to Organizers and
// Admins) and a loader that fetches the back office's code only when one of its pages is opened.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { User } from "../api/types";
import { t } from "../i18n";
import type { Location } from "../router";
import { canOrganize } from "./access";

type Area = ComponentType<{ location: Location }>;
let loaded: Area | null = null;

export function LazyOrganizerArea({ location }: { location: Location }) {
  const [Area, setArea] = useState<Area | null>(() => loaded);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (loaded) return;
    import("./OrganizerArea").then(
      (m) => {
        loaded = m.OrganizerArea;
        setArea(() => m.OrganizerArea);
      },
      () => setFailed(true),
    );
  }, []);
  if (failed)
    return (
      <p class="alert error" role="alert">
        {t("networkError")}
      </p>
    );
  return Area ? <Area location={location} /> : <p aria-live="polite">{t("loading")}</p>;
}

export function OrganizerNavLink({ user, current }: { user: User | null; current: boolean }) {
  if (!canOrganize(user)) return null;
  return (
    <a href="/organizer" aria-current={current ? "page" : undefined}>
      {t("navOrganizer")}
    </a>
  );
}
