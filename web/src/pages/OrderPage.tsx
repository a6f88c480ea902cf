// One order from hold to tickets: the seats held with a countdown to expiresAt, the payment
// form, then the checkout's progress until it is Completed or clearly failed.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { getJson } from "../api/client";
import { newIdempotencyKey } from "../api/idempotency";
import { isSettled, placeOrder, useOrder } from "../api/orders";
import type { EventDoc, Order } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { remainingText, useRemaining } from "../components/Countdown";
import { formatMoney, reasonText, t } from "../i18n";
import { navigate } from "../router";
import { PaymentForm } from "./PaymentForm";

const paymentFailures = ["card-declined", "insufficient-funds", "fraud-suspected", "card-details-lost"];

function Progress({ order }: { order: Order }) {
  const text =
    order.status === "Pending"
      ? t("orderPending")
      : order.status === "Reserved"
        ? order.checkout?.awaitingPayment
          ? t("orderHeld")
          : t("orderPaying")
        : order.status === "Paid"
          ? t("orderConfirming")
          : order.status === "Completed"
            ? t("orderCompleted")
            : order.status === "Failed"
              ? t("orderFailed", { reason: reasonText(order.failureReason) })
              : t("orderCancelled", { reason: reasonText(order.cancellation?.reason) });
  const bad = order.status === "Failed" || order.status === "Cancelled";
  return (
    <p
      class={bad ? "alert error" : order.status === "Completed" ? "alert ok" : "status"}
      role="status"
      data-status={order.status}
    >
      {text}
    </p>
  );
}

export function OrderPage({ id }: { id: string }) {
  const { order, error, update } = useOrder(id);
  const [event, setEvent] = useState<EventDoc | null>(null);
  const remaining = useRemaining(order?.status === "Reserved" ? order.expiresAt : null);
  const retryKey = useMemo(newIdempotencyKey, [id]);
  const [retrying, setRetrying] = useState(false);
  const [retryError, setRetryError] = useState<unknown>(null);
  const [paidHere, setPaidHere] = useState(false);
  const expiredNotice = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    // The event's name and category names only label the order: without them it still works.
    if (order && !event) {
      getJson<EventDoc>(`/api/v1/events/${encodeURIComponent(order.eventId)}`).then(setEvent, () => undefined);
    }
  }, [order?.eventId]);

  const holdOver =
    (order?.status === "Reserved" && order.checkout?.awaitingPayment && remaining === 0) ||
    (order?.status === "Cancelled" && order.cancellation?.reason === "holdExpired");
  useEffect(() => {
    if (holdOver) expiredNotice.current?.focus();
  }, [holdOver]);

  if (!order) return error ? <ErrorMessage error={error} /> : <p aria-live="polite">{t("loading")}</p>;

  const names = new Map(event?.priceCategories.map((c) => [c.categoryId, c.name]) ?? []);
  const items = order.items.map(({ categoryId, ticketCount }) => ({ categoryId, ticketCount }));

  // A failed payment fails the order (its seats go back on sale): buying again is a new order.
  const again = async () => {
    setRetrying(true);
    try {
      const next = await placeOrder(order.eventId, items, retryKey);
      navigate(`/orders/${next.id}`);
    } catch (e) {
      setRetryError(e);
      setRetrying(false);
    }
  };

  // A refused card fails the order; the form stays, with the refusal at the card number, and
  // paying again places a new order for the same seats with the new card.
  const paymentRefused = order.status === "Failed" && paymentFailures.includes(order.failureReason ?? "");
  const awaitingPayment = order.status === "Reserved" && order.checkout?.awaitingPayment && !holdOver;
  return (
    <section>
      <PageTitle>{event ? `${t("orderTitle")}: ${event.name}` : t("orderTitle")}</PageTitle>
      <ul class="lines">
        {order.items.map((item) => (
          <li key={item.categoryId}>
            {t("ticketsLine", { count: item.ticketCount, category: names.get(item.categoryId) ?? item.categoryId })}
            {item.amount && <span class="price">{formatMoney(item.amount)}</span>}
          </li>
        ))}
        {order.total && (
          <li class="total">
            {t("total")} <span class="price">{formatMoney(order.total)}</span>
          </li>
        )}
      </ul>
      {holdOver ? (
        <p class="alert error" role="alert" tabIndex={-1} ref={expiredNotice} data-testid="hold-expired">
          {t("holdExpired")}
        </p>
      ) : (
        <Progress order={order} />
      )}
      {awaitingPayment && remaining !== null && (
        <p class="countdown" data-testid="countdown">
          {t("holdRemaining", { time: remainingText(remaining) })}
        </p>
      )}
      {/* One form from hold to outcome, so what was typed survives a refused card. */}
      {(awaitingPayment || (order.status === "Reserved" && paidHere) || paymentRefused) && order.total && (
        <PaymentForm
          order={order}
          total={order.total}
          waiting={!awaitingPayment && !paymentRefused}
          refusal={paymentRefused ? reasonText(order.failureReason) : undefined}
          onAnswer={(next) => {
            setPaidHere(true);
            update(next);
          }}
        />
      )}
      {order.status === "Completed" && (
        <p>
          <a class="button primary" href="/tickets">
            {t("viewTickets")}
          </a>
        </p>
      )}
      {isSettled(order) && order.status !== "Completed" && !paymentRefused && (
        <p class="actions">
          <button type="button" class="primary" disabled={retrying} onClick={again}>
            {t("tryAgain")}
          </button>{" "}
          <a href={`/events/${order.eventId}`}>{t("backToEvent")}</a>
        </p>
      )}
      <ErrorMessage error={retryError ?? error} />
    </section>
  );
}
