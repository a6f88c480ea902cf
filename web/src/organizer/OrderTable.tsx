// The newest orders of an event: a search over them, a CSV export of what the search shows, and
// for Admins a full refund per paid order (POST /payments/{id}/refunds; Organizers may not
// refund: the API answers 403, so the button is not offered to them).
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatDate, formatMoney, t } from "../i18n";
import { refundPayment, type ListedOrder, type ManagedEvent } from "./api";
import { download, toCsv } from "./csv";
import { orderStatusText } from "./labels";
import { majorUnits } from "./money";
import { isSold, matches } from "./sales";

interface Props {
  event: ManagedEvent;
  orders: ListedOrder[];
  total: number;
  names: Map<string, string>;
  admin: boolean;
  onRefunded: () => void;
}

const shown = 50;

export function OrderTable({ event, orders, total, names, admin, onRefunded }: Props) {
  const [query, setQuery] = useState("");
  const [refundError, setRefundError] = useState<unknown>(null);
  const [refunding, setRefunding] = useState<string | null>(null);
  const found = orders.filter((o) => matches(o, query));
  const items = (o: ListedOrder) =>
    o.items.map((i) => `${i.ticketCount} × ${names.get(i.categoryId) ?? i.categoryId}`).join("; ");

  // One row per order and price category, so a spreadsheet can sum tickets per category.
  const exportCsv = () => {
    const header = [
      "order",
      "created",
      "status",
      "buyer",
      "category",
      "tickets",
      "amount",
      "currency",
      "orderTotal",
      "orderRefunded",
    ];
    const rows = found.flatMap((o) =>
      o.items.map((i) => [
        o.id,
        o.createdAt,
        o.status,
        o.userId,
        names.get(i.categoryId) ?? i.categoryId,
        i.ticketCount,
        i.amount ? majorUnits(i.amount) : "",
        o.total?.currency ?? "",
        o.total ? majorUnits(o.total) : "",
        o.refunded ? majorUnits(o.refunded) : "",
      ]),
    );
    download(`orders-${event.id}.csv`, toCsv([header, ...rows]));
  };

  // Every ticket of the event with its holder's name, made by the server (the whole list, not
  // only the orders loaded here): what a door without the scanner page works from.
  const [ticketsError, setTicketsError] = useState<unknown>(null);
  const exportTickets = async () => {
    setTicketsError(null);
    try {
      const response = await call("GET", `/api/v1/events/${encodeURIComponent(event.id)}/tickets`, {
        headers: { Accept: "text/csv" },
      });
      download(`tickets-${event.id}.csv`, await response.text());
    } catch (error) {
      setTicketsError(error);
    }
  };

  const refund = async (order: ListedOrder) => {
    if (!order.paymentId || !confirm(t("orgRefundConfirm"))) return;
    setRefunding(order.id);
    setRefundError(null);
    try {
      await refundPayment(order.paymentId, t("orgRefundReason"));
      onRefunded();
    } catch (error) {
      setRefundError(error);
    }
    setRefunding(null);
  };

  return (
    <>
      <div class="actions">
        <div class="field">
          <label for="order-search">{t("orgSearchOrders")}</label>
          <input id="order-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </div>
        <button type="button" onClick={exportCsv} disabled={found.length === 0}>
          {t("orgExportCsv")}
        </button>
        <button type="button" onClick={() => void exportTickets()}>
          {t("orgExportTickets")}
        </button>
      </div>
      <p class="count" aria-live="polite" data-testid="order-count">
        {orders.length < total
          ? t("orgOrdersCountNewest", { shown: found.length, loaded: orders.length, total })
          : t("orgOrdersCount", { shown: found.length, total })}
      </p>
      <ErrorMessage error={ticketsError} />
      <ErrorMessage error={refundError} />
      <div class="table-wrap" tabIndex={0} role="region" aria-label={t("orgOrders")}>
        <table class="data">
          <caption class="visually-hidden">{t("orgOrders")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("orgOrderCreated")}</th>
              <th scope="col">{t("orgStatus")}</th>
              <th scope="col">{t("orgOrderItems")}</th>
              <th scope="col">{t("orgOrderTotal")}</th>
              {admin && <th scope="col">{t("orgRefund")}</th>}
            </tr>
          </thead>
          <tbody>
            {found.slice(0, shown).map((o) => (
              <tr key={o.id}>
                <td>
                  <a href={`/orders/${o.id}`}>{formatDate(o.createdAt, event.timezone)}</a>
                </td>
                <td>{orderStatusText(o.status)}</td>
                <td>{items(o)}</td>
                <td>{o.total ? formatMoney(o.total) : "–"}</td>
                {admin && (
                  <td>
                    {isSold(o) && o.paymentId && (
                      <button type="button" disabled={refunding === o.id} onClick={() => void refund(o)}>
                        {t("orgRefund")}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
