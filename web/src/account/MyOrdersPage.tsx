// "My orders": the signed-in buyer's orders, newest first, each with its status history (every
// transition with its time and, for a failure or cancellation, the reason).
import { useEffect, useState } from "preact/hooks";
import { getJson } from "../api/client";
import type { EventDoc, Order, Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDate, formatMoney, reasonText, t } from "../i18n";
import { Pager } from "../admin/Pager";
import "../admin/admin.css";

interface Transition {
  status: Order["status"];
  at: string;
  reason?: string;
}

interface ListedOrder extends Order {
  createdAt: string;
}

function History({ order, zone }: { order: ListedOrder; zone?: string }) {
  const [open, setOpen] = useState(false);
  const [history, setHistory] = useState<Transition[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const listId = `history-${order.id}`;
  const toggle = () => {
    setOpen(!open);
    if (!history) {
      getJson<{ statusHistory: Transition[] }>(`/api/v1/orders/${encodeURIComponent(order.id)}`).then(
        (full) => setHistory(full.statusHistory),
        setError,
      );
    }
  };
  return (
    <>
      <button type="button" aria-expanded={open ? "true" : "false"} aria-controls={listId} onClick={toggle}>
        {t("ordersHistory")}
      </button>
      <ErrorMessage error={error} />
      <ol id={listId} class="history" hidden={!open}>
        {history?.map((step, i) => (
          <li key={i}>
            {t(`orderStatusName_${step.status}`)} · {formatDate(step.at, zone)}
            {step.reason && ` · ${reasonText(step.reason)}`}
          </li>
        ))}
      </ol>
    </>
  );
}

export function MyOrdersPage() {
  const [page, setPage] = useState(1);
  const [orders, setOrders] = useState<Page<ListedOrder> | null>(null);
  const [events, setEvents] = useState<Map<string, EventDoc>>(new Map());
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    getJson<Page<ListedOrder>>(`/api/v1/orders?mine=true&page=${page}&size=20`)
      .then(async (p) => {
        setOrders(p);
        const ids = [...new Set(p.items.map((o) => o.eventId))];
        const loaded = await Promise.all(
          ids.map((id) => getJson<EventDoc>(`/api/v1/events/${encodeURIComponent(id)}`).catch(() => null)),
        );
        setEvents(new Map(loaded.filter((e): e is EventDoc => e !== null).map((e) => [e.id, e])));
      })
      .catch(setError);
  }, [page]);

  return (
    <section>
      <PageTitle>{t("ordersTitle")}</PageTitle>
      <ErrorMessage error={error} />
      {!orders && !error && <p aria-live="polite">{t("loading")}</p>}
      {orders?.items.length === 0 && <p>{t("ordersNone")}</p>}
      <ul class="admin-list">
        {orders?.items.map((order) => {
          const event = events.get(order.eventId);
          return (
            <li key={order.id} class="card" data-testid="my-order">
              <h2>{event?.name ?? t("ordersEvent")}</h2>
              <p>
                {t("ordersPlaced", { at: formatDate(order.createdAt, event?.timezone) })}
                {order.total && ` · ${formatMoney(order.total)}`}
              </p>
              <p class="status">{t(`orderStatusName_${order.status}`)}</p>
              <p>
                <a href={`/orders/${encodeURIComponent(order.id)}`}>{t("ordersOpen")}</a>
              </p>
              <History order={order} zone={event?.timezone} />
            </li>
          );
        })}
      </ul>
      {orders && <Pager page={page} pages={orders.totalPages} onPage={setPage} />}
    </section>
  );
}
