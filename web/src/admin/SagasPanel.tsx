// Checkout sagas by state, with one saga's steps and compensations (docs/api/orders.md).
import { useState } from "preact/hooks";
import { getJson } from "../api/client";
import { ErrorMessage } from "../components/ErrorMessage";
import { t } from "../i18n";
import { sagaStateLabel } from "./labels";
import { formatInstant } from "./time";
import { Pager } from "./Pager";
import { usePaged } from "./usePaged";

interface Saga {
  orderId: string;
  orderStatus: string;
  state: string;
  currentStep: string;
  correlationId: string;
  updatedAt: string;
  steps?: { step: string; attempt: number; result: string; detail?: string; at: string }[];
  compensations?: { action: string; reason: string; at: string }[];
}

const states = ["", "Started", "InProgress", "Completed", "Failed", "Compensating"];

function SagaSteps({ orderId }: { orderId: string }) {
  const [saga, setSaga] = useState<Saga | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const toggle = () => {
    setOpen(!open);
    if (!saga) getJson<Saga>(`/api/v1/admin/sagas/${encodeURIComponent(orderId)}`).then(setSaga, setError);
  };
  return (
    <>
      <button type="button" aria-expanded={open ? "true" : "false"} onClick={toggle}>
        {t("adminSteps")}
      </button>
      <ErrorMessage error={error} />
      {open && saga && (
        <ol class="admin-steps">
          {saga.steps?.map((s, i) => (
            <li key={i}>
              {formatInstant(s.at)} · {s.step} #{s.attempt}: {s.result}
              {s.detail && ` (${s.detail})`}
            </li>
          ))}
          {saga.compensations?.map((c, i) => (
            <li key={`c${i}`}>
              {formatInstant(c.at)} · {t("adminCompensation")}: {c.action} ({c.reason})
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

export function SagasPanel() {
  const [state, setState] = useState("");
  const { page, setPage, data, error } = usePaged<Saga>("/api/v1/admin/sagas", { state });
  return (
    <>
      <h2>{t("adminSagas")}</h2>
      <div class="field narrow">
        <label for="saga-state">{t("adminState")}</label>
        <select
          id="saga-state"
          value={state}
          onChange={(e) => {
            setState(e.currentTarget.value);
            setPage(1);
          }}
        >
          {states.map((s) => (
            <option key={s} value={s}>
              {s ? sagaStateLabel(s) : t("adminAll")}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={error} />
      {data?.items.length === 0 && <p>{t("adminNothing")}</p>}
      <ul class="admin-list">
        {data?.items.map((saga) => (
          <li key={saga.orderId} class="card">
            <p>
              <strong>{sagaStateLabel(saga.state)}</strong> · {saga.currentStep} · {t("adminOrder")}{" "}
              <code>{saga.orderId}</code> ({saga.orderStatus})
            </p>
            <p class="hint">
              {formatInstant(saga.updatedAt)} ·{" "}
              <a href={`/admin?section=audit&correlationId=${encodeURIComponent(saga.correlationId)}`}>
                {t("adminAuditStory")}
              </a>
            </p>
            <SagaSteps orderId={saga.orderId} />
          </li>
        ))}
      </ul>
      {data && <Pager page={page} pages={data.totalPages} onPage={setPage} />}
    </>
  );
}
