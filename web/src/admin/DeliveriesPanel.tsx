// The notifications delivery log, with a retry for a Failed delivery (docs/api/notifications.md).
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { ErrorMessage } from "../components/ErrorMessage";
import { t } from "../i18n";
import { deliveryStatusLabel } from "./labels";
import { formatInstant } from "./time";
import { Pager } from "./Pager";
import { usePaged } from "./usePaged";

interface Delivery {
  id: string;
  userId: string;
  type: string;
  channel: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

const statuses = ["", "Queued", "Sent", "Failed", "Suppressed"];

export function DeliveriesPanel() {
  const [status, setStatus] = useState("");
  const [reload, setReload] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);
  const { page, setPage, data, error } = usePaged<Delivery>(
    "/api/v1/admin/notifications/deliveries",
    { status },
    reload,
  );
  return (
    <>
      <h2>{t("adminDeliveries")}</h2>
      <div class="field narrow">
        <label for="delivery-status">{t("adminStatus")}</label>
        <select
          id="delivery-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setPage(1);
          }}
        >
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s ? deliveryStatusLabel(s) : t("adminAll")}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={error ?? actionError} />
      {data?.items.length === 0 && <p>{t("adminNothing")}</p>}
      <ul class="admin-list">
        {data?.items.map((d) => (
          <li key={d.id} class="card">
            <p>
              <strong>{d.type}</strong> · {d.channel} · {deliveryStatusLabel(d.status)} ·{" "}
              {t("adminAttempts", { count: d.attempts })}
            </p>
            <p class="hint">
              {formatInstant(d.createdAt)} · {t("adminUser")} <code>{d.userId}</code>
            </p>
            {d.lastError && <p class="admin-error">{d.lastError}</p>}
            {d.status === "Failed" && (
              <button
                type="button"
                onClick={() =>
                  call("POST", `/api/v1/admin/notifications/deliveries/${encodeURIComponent(d.id)}/retry`).then(() => {
                    setActionError(null);
                    setReload((n) => n + 1);
                  }, setActionError)
                }
              >
                {t("adminRetry")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {data && <Pager page={page} pages={data.totalPages} onPage={setPage} />}
    </>
  );
}
