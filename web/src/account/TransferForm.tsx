// Passing a ticket on (POST /api/v1/tickets/{id}/transfer): to an account at once, to an email
// without one as a claim link that stays pending until claimed.
import { useState } from "preact/hooks";
import { postJson, type ApiError } from "../api/client";
import type { Ticket } from "../api/types";
import { Field } from "../components/Field";
import { ErrorMessage } from "../components/ErrorMessage";
import { t } from "../i18n";

export function TransferForm({ ticket, onDone }: { ticket: Ticket; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  if (ticket.status !== "Valid") return null;
  const id = `transfer-${ticket.ticketId}`;
  if (!open) {
    return (
      <button type="button" class="no-print" onClick={() => setOpen(true)}>
        {t("transferTicket", { code: ticket.code })}
      </button>
    );
  }
  return (
    <form
      class="no-print narrow"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        postJson<{ status: string }>(`/api/v1/tickets/${encodeURIComponent(ticket.ticketId)}/transfer`, {
          email: email.trim(),
        })
          .then(() => {
            setError(null);
            onDone();
          }, setError)
          .finally(() => setBusy(false));
      }}
    >
      <Field
        id={id}
        label={t("transferTo")}
        hint={t("transferHint")}
        type="email"
        required
        value={email}
        error={error?.fieldMessage("email")}
        onInput={(e) => setEmail(e.currentTarget.value)}
      />
      {error && !error.fieldMessage("email") && <ErrorMessage error={error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {t("transferSend")}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          {t("transferCancelForm")}
        </button>
      </div>
    </form>
  );
}
