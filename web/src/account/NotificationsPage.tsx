// In-app notifications (newest first, mark as read) and the notification preferences
// (GET/PUT /api/v1/notifications/preferences with If-Match).
import { useEffect, useState } from "preact/hooks";
import { getJson, postJson, type ApiError } from "../api/client";
import type { Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDate, t } from "../i18n";
import { Pager } from "../admin/Pager";
import { PreferencesForm } from "./PreferencesForm";
import "../admin/admin.css";

interface Note {
  id: string;
  type: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

function Inbox() {
  const [page, setPage] = useState(1);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [notes, setNotes] = useState<Page<Note> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = () =>
    getJson<Page<Note>>(`/api/v1/notifications?page=${page}&size=20${unreadOnly ? "&unread=true" : ""}`).then(
      setNotes,
      setError,
    );
  useEffect(() => void load(), [page, unreadOnly]);
  return (
    <section aria-labelledby="inbox-title" class="notifications">
      <h2 id="inbox-title">{t("notesInbox")}</h2>
      <label class="check" for="unread-only">
        <input
          id="unread-only"
          type="checkbox"
          checked={unreadOnly}
          onChange={(e) => {
            setUnreadOnly(e.currentTarget.checked);
            setPage(1);
          }}
        />{" "}
        {t("notesUnreadOnly")}
      </label>
      <ErrorMessage error={error} />
      {notes?.items.length === 0 && <p>{t("notesNone")}</p>}
      <ul class="admin-list">
        {notes?.items.map((note) => (
          <li key={note.id} class={note.readAt ? "card" : "card unread"} data-testid="notification">
            <h3>{note.title}</h3>
            <p class="hint">{formatDate(note.createdAt)}</p>
            <p class="description">{note.body}</p>
            {!note.readAt && (
              <button
                type="button"
                onClick={() =>
                  postJson(`/api/v1/notifications/${encodeURIComponent(note.id)}/read`, {}).then(load, setError)
                }
              >
                {t("notesMarkRead", { title: note.title })}
              </button>
            )}
          </li>
        ))}
      </ul>
      {notes && <Pager page={page} pages={notes.totalPages} onPage={setPage} />}
    </section>
  );
}

export function NotificationsPage() {
  return (
    <section>
      <PageTitle>{t("notesTitle")}</PageTitle>
      <Inbox />
      <PreferencesForm />
    </section>
  );
}
