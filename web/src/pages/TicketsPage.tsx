// The signed-in buyer's tickets with their QR codes. A QR is fetched with the bearer token (the
// route needs it) and shown from a blob: URL, released when the page goes.
import { useEffect, useState } from "preact/hooks";
import { call, getJson } from "../api/client";
import type { EventDoc, Page, Ticket } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDateTime, t } from "../i18n";
import { TransferForm } from "../account/TransferForm";
import { TransfersList } from "../account/TransfersList";

function QrCode({ ticket }: { ticket: Ticket }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (ticket.status !== "Valid" && ticket.status !== "CheckedIn") return;
    let objectUrl: string | null = null;
    const path = `/api/v1/tickets/${encodeURIComponent(ticket.ticketId)}/qr.svg`;
    call("GET", path, { headers: { Accept: "image/svg+xml" } })
      .then((r) => r.blob())
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => setUrl(null));
    return () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [ticket.ticketId, ticket.status]);
  if (!url) return null;
  return <img class="qr" src={url} width={220} height={220} alt={t("qrFor", { code: ticket.code })} />;
}

export function TicketsPage() {
  const [tickets, setTickets] = useState<Ticket[] | null>(null);
  const [events, setEvents] = useState<Map<string, EventDoc>>(new Map());
  const [error, setError] = useState<unknown>(null);
  // Bumped after a transfer: the list and the transfers load again.
  const [reload, setReload] = useState(0);

  useEffect(() => {
    getJson<Page<Ticket>>("/api/v1/tickets?page=1&size=100")
      .then(async (page) => {
        setTickets(page.items);
        const ids = [...new Set(page.items.map((ticket) => ticket.eventId))];
        const loaded = await Promise.all(
          ids.map((id) => getJson<EventDoc>(`/api/v1/events/${encodeURIComponent(id)}`).catch(() => null)),
        );
        setEvents(new Map(loaded.filter((e): e is EventDoc => e !== null).map((e) => [e.id, e])));
      })
      .catch(setError);
  }, [reload]);

  return (
    <section>
      <PageTitle>{t("ticketsTitle")}</PageTitle>
      <ErrorMessage error={error} />
      {!tickets && !error && <p aria-live="polite">{t("loading")}</p>}
      {tickets?.length === 0 && <p>{t("noTickets")}</p>}
      {tickets && tickets.length > 0 && (
        <p class="no-print">
          <button type="button" onClick={() => window.print()}>
            {t("printTickets")}
          </button>
        </p>
      )}
      <ul class="tickets">
        {tickets?.map((ticket) => {
          const event = events.get(ticket.eventId);
          return (
            <li key={ticket.ticketId} class="ticket" data-status={ticket.status}>
              <h2>{event?.name ?? ticket.categoryName}</h2>
              {event && <p>{formatDateTime(event.startsAt, event.timezone)}</p>}
              {event && <p>{`${event.venue.name}, ${event.venue.city}`}</p>}
              <dl class="facts">
                <dt>{t("category")}</dt>
                <dd>{ticket.categoryName}</dd>
                <dt>{t("holder")}</dt>
                <dd>{ticket.holderName}</dd>
                <dt>{t("ticketCode")}</dt>
                <dd>
                  <code>{ticket.code}</code>
                </dd>
              </dl>
              <p class="ticket-status">{t(`ticketStatus_${ticket.status}`)}</p>
              <QrCode ticket={ticket} />
              <TransferForm ticket={ticket} onDone={() => setReload((n) => n + 1)} />
            </li>
          );
        })}
      </ul>
      <TransfersList reload={reload} onChange={() => setReload((n) => n + 1)} />
    </section>
  );
}
