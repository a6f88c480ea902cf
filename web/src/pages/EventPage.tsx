// One event: when and where (in the venue's time zone), its price categories with live
// availability, and the counts to hold. Holding places an order without payment details; the
// order page takes it from there (countdown, payment, progress).
import { useEffect, useMemo, useState } from "preact/hooks";
import { getJson } from "../api/client";
import { newIdempotencyKey } from "../api/idempotency";
import { useAvailability } from "../api/live";
import { placeOrder } from "../api/orders";
import { ApiError } from "../api/problem";
import { sessionState } from "../api/session";
import type { EventDoc } from "../api/types";
import { ErrorMessage, errorText } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDateTime, formatMoney, reasonText, t } from "../i18n";
import { navigate } from "../router";

const maxPerCategory = 10;

export function EventPage({ id }: { id: string }) {
  const [event, setEvent] = useState<EventDoc | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const { availability, connected } = useAvailability(id);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  // One key per selection: pressing twice (or retrying after a lost answer) places one order.
  const idempotencyKey = useMemo(newIdempotencyKey, [JSON.stringify(counts)]);

  useEffect(() => {
    getJson<EventDoc>(`/api/v1/events/${encodeURIComponent(id)}`).then(setEvent, setLoadError);
  }, [id]);

  if (loadError) return <ErrorMessage error={loadError} />;
  if (!event) return <p aria-live="polite">{t("loading")}</p>;

  const live = new Map(availability?.priceCategories.map((c) => [c.categoryId, c]) ?? []);
  const items = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([categoryId, ticketCount]) => ({ categoryId, ticketCount }));
  const signedIn = sessionState().user !== null;

  const hold = async (e: Event) => {
    e.preventDefault();
    if (!signedIn) return navigate(`/signin?next=${encodeURIComponent(`/events/${id}`)}`);
    if (items.length === 0) return setMessage(t("chooseTickets"));
    setBusy(true);
    setMessage(null);
    try {
      const order = await placeOrder(id, items, idempotencyKey);
      navigate(`/orders/${order.id}`);
    } catch (error) {
      // Shown beside the button; the event stays on screen (a 403 for an Organizer's account,
      // a 409 when the seats just went, a lost connection...).
      setBusy(false);
      setMessage(error instanceof ApiError && error.status === 409 ? reasonText(error.slug) : errorText(error));
    }
  };

  return (
    <article>
      <PageTitle>{event.name}</PageTitle>
      <dl class="facts">
        <dt>{t("startsAt")}</dt>
        <dd>{formatDateTime(event.startsAt, event.timezone)}</dd>
        <dt>{t("endsAt")}</dt>
        <dd>{formatDateTime(event.endsAt, event.timezone)}</dd>
      </dl>
      <p class="hint">{t("timezoneNote", { zone: event.timezone })}</p>
      <p>
        {event.venue.name}
        {event.venue.address ? `, ${event.venue.address}` : ""}, {event.venue.city}
      </p>
      {event.description && <p class="description">{event.description}</p>}

      <form onSubmit={hold} class="buy" aria-labelledby="categories-heading">
        <h2 id="categories-heading">{t("priceCategories")}</h2>
        <p class={connected ? "live on" : "live off"} aria-live="polite">
          {connected ? t("live") : t("liveLost")}
        </p>
        <ul class="categories">
          {event.priceCategories.map((category) => {
            const seats = live.get(category.categoryId);
            const left = seats?.availableSeats;
            const limit = Math.min(maxPerCategory, left ?? 0);
            const selectId = `count-${category.categoryId}`;
            return (
              <li key={category.categoryId} class="category" data-category={category.categoryId}>
                <div>
                  <strong>{category.name}</strong>
                  <span class="price">{formatMoney(seats?.price ?? category.price)}</span>
                  <span class="availability" data-testid={`available-${category.categoryId}`}>
                    {left === undefined ? t("loading") : left > 0 ? t("available", { count: left }) : t("soldOut")}
                  </span>
                </div>
                <label for={selectId} class="visually-hidden">
                  {t("ticketsFor", { category: category.name })}
                </label>
                <select
                  id={selectId}
                  value={String(counts[category.categoryId] ?? 0)}
                  disabled={!left}
                  onChange={(e) => setCounts({ ...counts, [category.categoryId]: Number(e.currentTarget.value) })}
                >
                  {Array.from({ length: limit + 1 }, (_, n) => (
                    <option key={n} value={String(n)}>
                      {n}
                    </option>
                  ))}
                </select>
              </li>
            );
          })}
        </ul>
        {message && (
          <p class="alert error" role="alert">
            {message}
          </p>
        )}
        <p class="hint">{t("holdHint")}</p>
        <button type="submit" class="primary" disabled={busy}>
          {signedIn ? t("holdSeats") : t("signInToBuy")}
        </button>
      </form>
    </article>
  );
}
