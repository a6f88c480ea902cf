// What the app shell needs of the back office, kept tiny: the nav link (shown to Organizers and
// Admins) and a loader that fetches the back office's code only when one of its pages is opened.
import type { User } from "../api/types";
import { Lazy } from "../components/Lazy";
import { t } from "../i18n";
import type { Location } from "../router";
import { canOrganize } from "./access";

const loadOrganizerArea = () => import("./OrganizerArea").then((m) => m.OrganizerArea);

export function LazyOrganizerArea({ location }: { location: Location }) {
  return <Lazy load={loadOrganizerArea} props={{ location }} />;
}

export function OrganizerNavLink({ user, current }: { user: User | null; current: boolean }) {
  if (!canOrganize(user)) return null;
  return (
    <a href="/organizer" aria-current={current ? "page" : undefined}>
      {t("navOrganizer")}
    </a>
  );
}
