// Messages whose handler gave up, and their replay (docs/api/kernel.md, "Dead letters").
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { ErrorMessage } from "../components/ErrorMessage";
import { t } from "../i18n";
import { formatInstant } from "./time";
import { Pager } from "./Pager";
import { usePaged } from "./usePaged";

interface DeadLetter {
  id: string;
  subscriber: string;
  messageId: string;
  topic: string;
  type: string;
  attempts: number;
  error: string;
  deadAt: string;
  replayedAt: string | null;
}

export function DeadLettersPanel() {
  const [reload, setReload] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);
  const [replayed, setReplayed] = useState<string | null>(null);
  const { page, setPage, data, error } = usePaged<DeadLetter>("/api/v1/admin/dead-letters", {}, reload);
  return (
    <>
      <h2>{t("adminDeadLetters")}</h2>
      <ErrorMessage error={error ?? actionError} />
      {replayed && (
        <p role="status" class="alert ok">
          {t("adminReplaying", { type: replayed })}
        </p>
      )}
      {data?.items.length === 0 && <p>{t("adminNoDeadLetters")}</p>}
      <ul class="admin-list">
        {data?.items.map((d) => (
          <li key={d.id} class="card">
            <p>
              <strong>{d.type}</strong> · {d.topic} → {d.subscriber}
            </p>
            <p class="hint">{t("adminDeadAt", { at: formatInstant(d.deadAt), attempts: d.attempts })}</p>
            <pre class="admin-error">{d.error}</pre>
            {d.replayedAt ? (
              <p>{t("adminReplayedAt", { at: formatInstant(d.replayedAt) })}</p>
            ) : (
              <button
                type="button"
                onClick={() =>
                  call("POST", `/api/v1/admin/dead-letters/${encodeURIComponent(d.id)}/replay`).then(() => {
                    setActionError(null);
                    setReplayed(d.type);
                    setReload((n) => n + 1);
                  }, setActionError)
                }
              >
                {t("adminReplay", { type: d.type })}
              </button>
            )}
          </li>
        ))}
      </ul>
      {data && <Pager page={page} pages={data.totalPages} onPage={setPage} />}
    </>
  );
}
