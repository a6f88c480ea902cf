// The audit story of one correlation id: every recorded message of a purchase, in order.
import { useEffect, useState } from "preact/hooks";
import { getJson, type ApiError } from "../api/client";
import { Field } from "../components/Field";
import { ErrorMessage } from "../components/ErrorMessage";
import { t } from "../i18n";
import { formatInstant } from "./time";
import { navigate } from "../router";

interface AuditRecord {
  sequence: number;
  messageId: string;
  topic: string;
  type: string;
  occurredAt: string;
  payload: unknown;
}

interface Story {
  correlationId: string;
  items: AuditRecord[];
  truncated: boolean;
}

export function AuditPanel({ correlationId }: { correlationId: string }) {
  const [input, setInput] = useState(correlationId);
  const [story, setStory] = useState<Story | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    setStory(null);
    setError(null);
    if (!correlationId) return;
    getJson<Story>(`/api/v1/admin/audit/story/${encodeURIComponent(correlationId)}`).then(setStory, setError);
  }, [correlationId]);
  return (
    <>
      <h2>{t("adminAuditStory")}</h2>
      <form
        class="narrow"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/admin?section=audit&correlationId=${encodeURIComponent(input.trim())}`);
        }}
      >
        <Field
          id="correlation-id"
          label={t("adminCorrelationId")}
          hint={t("adminCorrelationHint")}
          value={input}
          required
          maxLength={200}
          onInput={(e) => setInput(e.currentTarget.value)}
        />
        <button type="submit" class="primary">
          {t("adminShowStory")}
        </button>
      </form>
      <ErrorMessage error={error} />
      {story && (
        <>
          <p>{t("adminStoryCount", { count: story.items.length })}</p>
          {story.truncated && <p class="hint">{t("adminStoryTruncated")}</p>}
          <ol class="admin-story" data-testid="audit-story">
            {story.items.map((r) => (
              <li key={r.sequence}>
                <details>
                  <summary>
                    <strong>{r.type}</strong> · {r.topic} · {formatInstant(r.occurredAt)}
                  </summary>
                  <pre>{JSON.stringify(r.payload, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}
