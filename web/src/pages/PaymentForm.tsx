// The card form. Test cards are listed (the gateways are simulated); the server checks the card
// (Luhn, expiry) and its problem+json `errors` are shown at their fields. One Idempotency-Key
// per card entered: pressing Pay twice pays once.
import { useMemo, useRef, useState } from "preact/hooks";
import { newIdempotencyKey } from "../api/idempotency";
import { payOrder, placeOrderWithCard, type Card } from "../api/orders";
import { ApiError } from "../api/problem";
import type { Money, Order } from "../api/types";
import { errorText } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { formatMoney, t } from "../i18n";
import { navigate } from "../router";

interface Props {
  order: Order;
  total: Money;
  refusal?: string; // the order failed with this card: paying again places a new order
  waiting: boolean; // a payment is under way
  onAnswer: (order: Order) => void;
}

const testCards: [string, "testCardOk" | "testCardDeclined" | "testCardFunds"][] = [
  ["4242 4242 4242 4242", "testCardOk"],
  ["4000 0000 0000 0002", "testCardDeclined"],
  ["4000 0000 0000 9995", "testCardFunds"],
];

export function PaymentForm({ order, total, refusal, waiting, onAnswer }: Props) {
  const year = new Date().getFullYear();
  const [card, setCard] = useState({ number: "", expMonth: "12", expYear: String(year + 3), cvc: "", holderName: "" });
  const [error, setError] = useState<ApiError | null>(null);
  const [other, setOther] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const idempotencyKey = useMemo(newIdempotencyKey, [order.id, JSON.stringify(card), refusal]);

  const set = (name: keyof typeof card) => (e: Event) =>
    setCard({ ...card, [name]: (e.currentTarget as HTMLInputElement).value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setOther(null);
    const details: Card = {
      number: card.number.trim(),
      expMonth: Number(card.expMonth),
      expYear: Number(card.expYear),
      cvc: card.cvc.trim(),
      holderName: card.holderName.trim(),
    };
    try {
      if (refusal) {
        const items = order.items.map(({ categoryId, ticketCount }) => ({ categoryId, ticketCount }));
        const next = await placeOrderWithCard(order.eventId, items, details, idempotencyKey);
        navigate(`/orders/${next.id}`);
      } else {
        onAnswer(await payOrder(order.id, details, idempotencyKey));
        setBusy(false);
      }
    } catch (caught) {
      setBusy(false);
      if (caught instanceof ApiError && caught.errors.length > 0) {
        setError(caught);
        // The first field in error gets the focus: its message is read out with it.
        setTimeout(() => form.current?.querySelector<HTMLInputElement>("[aria-invalid=true]")?.focus(), 0);
      } else {
        setOther(errorText(caught));
      }
    }
  };

  const fieldError = (name: string) => error?.fieldMessage(`card.${name}`);
  return (
    <form ref={form} onSubmit={submit} class="payment" noValidate aria-labelledby="pay-heading">
      <h2 id="pay-heading">{t("payTitle")}</h2>
      <details class="test-cards">
        <summary>{t("testCards")}</summary>
        <ul>
          {testCards.map(([number, outcome]) => (
            <li key={number}>
              <code>{number}</code> {t(outcome)}
            </li>
          ))}
        </ul>
      </details>
      {error && (
        <p class="alert error" role="alert">
          {t("fixFields")}
        </p>
      )}
      <Field
        id="card-number"
        label={t("cardNumber")}
        inputMode="numeric"
        autocomplete="cc-number"
        value={card.number}
        onInput={set("number")}
        error={fieldError("number") ?? refusal}
        required
      />
      <div class="row">
        <Field
          id="card-exp-month"
          label={t("cardExpMonth")}
          inputMode="numeric"
          autocomplete="cc-exp-month"
          value={card.expMonth}
          onInput={set("expMonth")}
          error={fieldError("expMonth")}
          required
        />
        <Field
          id="card-exp-year"
          label={t("cardExpYear")}
          inputMode="numeric"
          autocomplete="cc-exp-year"
          value={card.expYear}
          onInput={set("expYear")}
          error={fieldError("expYear")}
          required
        />
        <Field
          id="card-cvc"
          label={t("cardCvc")}
          inputMode="numeric"
          autocomplete="cc-csc"
          value={card.cvc}
          onInput={set("cvc")}
          error={fieldError("cvc")}
          required
        />
      </div>
      <Field
        id="card-holder"
        label={t("cardHolder")}
        autocomplete="cc-name"
        value={card.holderName}
        onInput={set("holderName")}
        error={fieldError("holderName")}
        required
      />
      {other && (
        <p class="alert error" role="alert">
          {other}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy || waiting}>
        {t("pay", { amount: formatMoney(total) })}
      </button>
    </form>
  );
}
