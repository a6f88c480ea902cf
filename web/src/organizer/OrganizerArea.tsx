// The organizer back office, loaded on demand (App.tsx imports this module dynamically, so the
// shop's first load does not carry it). The dashboard, with its chart library, is a further
// chunk of its own.
import { sessionState } from "../api/session";
import { Lazy } from "../components/Lazy";
import { PageTitle } from "../components/PageTitle";
import { t } from "../i18n";
import type { Location } from "../router";
import { canOrganize } from "./access";
import { EventEditor } from "./EventEditor";
import { OrganizerHome } from "./OrganizerHome";
import "./organizer.css";

// The dashboard, with its chart library, is a chunk of its own.
const loadDashboard = () => import("./Dashboard").then((m) => m.Dashboard);

export function OrganizerArea({ location }: { location: Location }) {
  // A User's token cannot do anything here: say so instead of showing pages the API refuses.
  if (!canOrganize(sessionState().user)) {
    return (
      <section>
        <PageTitle>{t("orgNoAccessTitle")}</PageTitle>
        <p class="alert error" role="alert">
          {t("orgForbidden")}
        </p>
        <p>
          <a href="/">{t("backToEvents")}</a>
        </p>
      </section>
    );
  }
  switch (location.page) {
    case "orgNew":
      return <EventEditor />;
    case "orgEdit":
      return <EventEditor key={location.params.id} id={location.params.id} />;
    case "orgDashboard":
      return <Lazy key={location.params.id} load={loadDashboard} props={{ id: location.params.id }} />;
    default:
      return <OrganizerHome />;
  }
}
