// The event's door staff (scanners: accounts allowed to check tickets in at this event) and
// announcements to everyone who bought a ticket.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api/problem";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { t } from "../i18n";
import { addScanner, announce, removeScanner, scanners, type Scanner } from "./api";

export function Scanners({ eventId }: { eventId: string }) {
  const [list, setList] = useState<Scanner[] | null>(null);
  const [email, setEmail] = useState("");
  const [error, setError] = useState<unknown>(null);
  const reload = () => scanners(eventId).then((r) => setList(r.items), setError);
  useEffect(() => void reload(), [eventId]);

  const add = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await addScanner(eventId, email.trim());
      setEmail("");
      await reload();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (userId: string) => {
    setError(null);
    await removeScanner(eventId, userId).then(reload, setError);
  };
  const fieldError =
    error instanceof ApiError
      ? (error.fieldMessage("email") ?? (error.status === 404 ? t("orgNoSuchUser") : undefined))
      : undefined;

  return (
    <section aria-labelledby="scanners-heading">
      <h2 id="scanners-heading">{t("orgScanners")}</h2>
      <p class="hint">{t("orgScannersHint")}</p>
      {list && list.length === 0 && <p>{t("orgNoScanners")}</p>}
      <ul class="lines">
        {list?.map((s) => (
          <li key={s.userId}>
            <span>{s.email}</span>
            <button type="button" onClick={() => void remove(s.userId)}>
              {t("orgRemove")}
              <span class="visually-hidden"> {s.email}</span>
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} class="inline-form">
        <Field
          id="scanner-email"
          type="email"
          autoComplete="off"
          label={t("orgScannerEmail")}
          value={email}
          error={fieldError}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <button type="submit">{t("orgAddScanner")}</button>
      </form>
      {!fieldError && <ErrorMessage error={error} />}
    </section>
  );
}

export function Announcements({ eventId }: { eventId: string }) {
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      const answer = await announce(eventId, subject, body);
      setSent(answer.recipients);
      setSubject("");
      setBody("");
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldMessage(name) : undefined);
  const general = error instanceof ApiError && error.errors.length > 0 ? null : error;

  return (
    <section aria-labelledby="announce-heading">
      <h2 id="announce-heading">{t("orgAnnounce")}</h2>
      <p class="hint">{t("orgAnnounceHint")}</p>
      <form onSubmit={send}>
        <Field
          id="announce-subject"
          label={t("orgSubject")}
          value={subject}
          maxLength={200}
          error={fieldError("subject")}
          onInput={(e) => setSubject(e.currentTarget.value)}
        />
        <div class={fieldError("body") ? "field invalid" : "field"}>
          <label for="announce-body">{t("orgMessage")}</label>
          <textarea
            id="announce-body"
            rows={4}
            maxLength={5000}
            value={body}
            aria-describedby={fieldError("body") ? "announce-body-error" : undefined}
            onInput={(e) => setBody(e.currentTarget.value)}
          />
          {fieldError("body") && (
            <p class="error" id="announce-body-error">
              {fieldError("body")}
            </p>
          )}
        </div>
        <button type="submit" disabled={busy}>
          {t("orgSend")}
        </button>
      </form>
      {sent !== null && (
        <p class="alert ok" role="status">
          {t("orgAnnounced", { count: sent })}
        </p>
      )}
      <ErrorMessage error={general} />
    </section>
  );
}
