// The caller's transfers (GET /api/v1/tickets/transfers); a pending one can be taken back.
import { useEffect, useState } from "preact/hooks";
import { getJson, postJson } from "../api/client";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatDate, t } from "../i18n";

interface Transfer {
  transferId: string;
  ticketId: string;
  toEmail: string;
  status: "Pending" | "Completed" | "Cancelled";
  createdAt: string;
}

export function TransfersList({ reload, onChange }: { reload: number; onChange: () => void }) {
  const [transfers, setTransfers] = useState<Transfer[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    getJson<{ items: Transfer[] }>("/api/v1/tickets/transfers").then((a) => setTransfers(a.items), setError);
  }, [reload]);
  if (!transfers?.length && !error) return null;
  return (
    <section class="no-print" aria-labelledby="transfers-title">
      <h2 id="transfers-title">{t("transfersTitle")}</h2>
      <ErrorMessage error={error} />
      <ul class="lines">
        {transfers?.map((tr) => (
          <li key={tr.transferId} data-testid="transfer">
            <span>
              {t(`transferStatus_${tr.status}`, { email: tr.toEmail })} · {formatDate(tr.createdAt)}
            </span>
            {tr.status === "Pending" && (
              <button
                type="button"
                onClick={() =>
                  postJson(`/api/v1/tickets/transfers/${encodeURIComponent(tr.transferId)}/cancel`, {}).then(
                    onChange,
                    setError,
                  )
                }
              >
                {t("transferTakeBack")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
