// The back office's start: the signed-in organizer's events (every status), newest first, each
// with its dashboard and editor, and a way to create one.
import { useEffect, useState } from "preact/hooks";
import { sessionState } from "../api/session";
import type { Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDate, t } from "../i18n";
import { myEvents, type ManagedEvent } from "./api";
import { eventStatusText } from "./labels";

export function OrganizerHome() {
  const user = sessionState().user!;
  const [page, setPage] = useState(1);
  const [events, setEvents] = useState<Page<ManagedEvent> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    myEvents(user.id, page).then(setEvents, setError);
  }, [user.id, page]);

  return (
    <section class="org">
      <PageTitle>{t("orgHomeTitle")}</PageTitle>
      <p>
        <a class="button primary" href="/organizer/new">
          {t("orgNewTitle")}
        </a>
      </p>
      <ErrorMessage error={error} />
      {events && events.items.length === 0 && <p>{t("orgNoEvents")}</p>}
      {events && events.items.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label={t("orgHomeTitle")}>
          <table class="data">
            <caption class="visually-hidden">{t("orgHomeTitle")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("orgName")}</th>
                <th scope="col">{t("orgStartsAt")}</th>
                <th scope="col">{t("orgStatus")}</th>
                <th scope="col">{t("orgEditLink")}</th>
              </tr>
            </thead>
            <tbody>
              {events.items.map((e) => (
                <tr key={e.id}>
                  <th scope="row">
                    <a href={`/organizer/events/${e.id}`}>{e.name}</a>
                  </th>
                  <td>{formatDate(e.startsAt, e.timezone)}</td>
                  <td>{eventStatusText(e.status)}</td>
                  <td>
                    <a href={`/organizer/events/${e.id}/edit`} aria-label={t("orgEditNamed", { name: e.name })}>
                      {t("orgEditLink")}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events && events.totalPages > 1 && (
        <nav class="pager" aria-label={t("orgHomeTitle")}>
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            {t("previousPage")}
          </button>
          <span>{t("pageOf", { page, pages: events.totalPages })}</span>
          <button type="button" disabled={page >= events.totalPages} onClick={() => setPage(page + 1)}>
            {t("nextPage")}
          </button>
        </nav>
      )}
    </section>
  );
}
