// Operations for Admins: users and roles, dead letters, sagas, audit stories, the delivery log.
// The API checks the role on every call; the page only spares others a screen of 403s.
import { PageTitle } from "../components/PageTitle";
import { t } from "../i18n";
import type { MessageKey } from "../i18n/en";
import type { Location } from "../router";
import { AuditPanel } from "./AuditPanel";
import { DeadLettersPanel } from "./DeadLettersPanel";
import { DeliveriesPanel } from "./DeliveriesPanel";
import { SagasPanel } from "./SagasPanel";
import { UsersPanel } from "./UsersPanel";
import "./admin.css";

const sections: [string, MessageKey][] = [
  ["users", "adminUsers"],
  ["dead-letters", "adminDeadLetters"],
  ["sagas", "adminSagas"],
  ["audit", "adminAuditStory"],
  ["deliveries", "adminDeliveries"],
];

export function AdminPage({ location, isAdmin }: { location: Location; isAdmin: boolean }) {
  const section = location.query.get("section") ?? "users";
  if (!isAdmin) {
    return (
      <section>
        <PageTitle>{t("adminTitle")}</PageTitle>
        <p class="alert error" role="alert">
          {t("adminOnly")}
        </p>
      </section>
    );
  }
  return (
    <section>
      <PageTitle>{t("adminTitle")}</PageTitle>
      <nav aria-label={t("adminSections")} class="admin-nav">
        {sections.map(([id, label]) => (
          <a key={id} href={`/admin?section=${id}`} aria-current={section === id ? "page" : undefined}>
            {t(label)}
          </a>
        ))}
      </nav>
      {section === "users" && <UsersPanel />}
      {section === "dead-letters" && <DeadLettersPanel />}
      {section === "sagas" && <SagasPanel />}
      {section === "audit" && <AuditPanel correlationId={location.query.get("correlationId") ?? ""} />}
      {section === "deliveries" && <DeliveriesPanel />}
    </section>
  );
}
