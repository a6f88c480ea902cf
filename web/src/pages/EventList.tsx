// The catalogue: published events, soonest first, or best match first while searching (the FTS
// route, as you type: debounced, stale answers discarded); pages of 10.
import { useEffect, useRef, useState } from "preact/hooks";
import { getJson } from "../api/client";
import type { EventDoc, Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDate, t } from "../i18n";
import { navigate, type Location } from "../router";

const pageSize = 10;

export function EventList({ location }: { location: Location }) {
  const q = location.query.get("q") ?? "";
  const page = Math.max(1, Number(location.query.get("page")) || 1);
  const [text, setText] = useState(q);
  const [result, setResult] = useState<Page<EventDoc> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const pushed = useRef(q);

  // The address is the state: a search can be reloaded, shared and gone back to.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (text.trim() === q.trim()) return;
      pushed.current = text.trim();
      navigate(text.trim() ? `/?${new URLSearchParams({ q: text.trim() })}` : "/", true);
    }, 250);
    return () => clearTimeout(timer);
  }, [text]);
  // Back and forward change the address under the field: show what it says then.
  useEffect(() => {
    if (q !== pushed.current) {
      pushed.current = q;
      setText(q);
    }
  }, [q]);

  useEffect(() => {
    const abort = new AbortController();
    const query = new URLSearchParams({ page: String(page), size: String(pageSize) });
    if (q.trim()) query.set("q", q.trim());
    const path = q.trim() ? `/api/v1/events/search?${query}` : `/api/v1/events?${query}`;
    getJson<Page<EventDoc>>(path, { signal: abort.signal })
      .then((r) => {
        setResult(r);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!(e instanceof DOMException && e.name === "AbortError")) setError(e);
      });
    return () => abort.abort();
  }, [q, page]);

  const goTo = (n: number) => {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (n > 1) params.set("page", String(n));
    navigate(params.toString() ? `/?${params}` : "/");
  };

  return (
    <section>
      <PageTitle>{t("eventsTitle")}</PageTitle>
      <div class="search" role="search">
        <label for="search">{t("searchLabel")}</label>
        <input
          id="search"
          type="search"
          value={text}
          placeholder={t("searchHint")}
          autocomplete="off"
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </div>
      <ErrorMessage error={error} />
      <p class="count" aria-live="polite">
        {!result
          ? t("loading")
          : result.totalItems === 0
            ? t("noResults")
            : result.totalItems === 1
              ? t("resultsCountOne")
              : t("resultsCount", { count: result.totalItems })}
      </p>
      <ul class="cards">
        {result?.items.map((event) => (
          <li key={event.id} class="card">
            <h2>
              <a href={`/events/${event.id}`}>{event.name}</a>
            </h2>
            <p>{formatDate(event.startsAt, event.timezone)}</p>
            <p>{t("eventAt", { venue: event.venue.name, city: event.venue.city })}</p>
          </li>
        ))}
      </ul>
      {result && result.totalPages > 1 && (
        <nav class="pager" aria-label={t("pageOf", { page, pages: result.totalPages })}>
          <button type="button" disabled={page <= 1} onClick={() => goTo(page - 1)}>
            {t("previousPage")}
          </button>
          <span>{t("pageOf", { page, pages: result.totalPages })}</span>
          <button type="button" disabled={page >= result.totalPages} onClick={() => goTo(page + 1)}>
            {t("nextPage")}
          </button>
        </nav>
      )}
    </section>
  );
}
