// One event's sales dashboard: seats sold/held/available per category and check-in progress,
// both live over the modules' push channels (inventory's availability stream, the tickets
// module's check-in statistics stream); revenue from the payments report; tickets sold over
// time; the newest orders with search, CSV export and (Admins) refunds; scanners; announcements.
// Revenue and orders are read again whenever the live stream shows a new sale, not by polling.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useAvailability } from "../api/live";
import { sessionState } from "../api/session";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDate, formatDateTime, formatMoney, t } from "../i18n";
import {
  loadEvent,
  paymentReport,
  recentOrders,
  type CheckinStats,
  type ListedOrder,
  type ReportLine,
  type Versioned,
} from "./api";
import { isAdmin } from "./access";
import { AccessProblem } from "./EventEditor";
import { eventStatusText } from "./labels";
import { Announcements, Scanners } from "./EventTools";
import { OrderTable } from "./OrderTable";
import { SalesChart } from "./SalesChart";
import { salesSeries } from "./sales";
import { useAuthorizedStream } from "./stream";

// The chart, search and export cover the newest 500 orders: five requests at most per refresh.
const maxOrderPages = 5;

// The least time between two reads of revenue and orders while sales stream in.
const refreshEveryMs = 3000;

export function Dashboard({ id }: { id: string }) {
  const [loaded, setLoaded] = useState<Versioned | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<ReportLine[] | null>(null);
  const [orders, setOrders] = useState<{ orders: ListedOrder[]; total: number } | null>(null);
  const [dataError, setDataError] = useState<unknown>(null);
  const { availability, connected } = useAvailability(id);
  const checkin = useAuthorizedStream<CheckinStats>(`/api/v1/events/${encodeURIComponent(id)}/checkin-stats`);
  const admin = isAdmin(sessionState().user);

  useEffect(() => {
    loadEvent(id).then(setLoaded, setError);
  }, [id]);

  // A sale (or a refund) changes the sold seats: then revenue and orders are worth reading again.
  const soldNow = availability?.priceCategories.reduce((n, c) => n + c.soldSeats, 0) ?? -1;
  const refreshing = useRef(0);
  const refreshData = () => {
    const run = ++refreshing.current;
    Promise.all([paymentReport(id), recentOrders(id, maxOrderPages)]).then(([r, o]) => {
      if (run !== refreshing.current) return; // an older answer after a newer one
      setReport(r.items);
      setOrders(o);
      setDataError(null);
    }, setDataError);
  };
  // In a rush every sale changes soldNow: read again at most every few seconds (the last change
  // always gets its read), not six requests per sale per open dashboard.
  const lastRefreshAt = useRef(0);
  useEffect(() => {
    const wait = lastRefreshAt.current + refreshEveryMs - Date.now();
    const timer = setTimeout(
      () => {
        lastRefreshAt.current = Date.now();
        refreshData();
      },
      Math.max(0, wait),
    );
    return () => clearTimeout(timer);
  }, [id, soldNow]);

  const series = useMemo(() => salesSeries(orders?.orders ?? []), [orders]);

  if (error) return <AccessProblem error={error} />;
  if (!loaded) return <p aria-live="polite">{t("loading")}</p>;
  const event = loaded.event;
  const names = new Map(event.priceCategories.map((c) => [c.categoryId, c.name]));
  // Until inventory's stream answers (and for a Draft, which it does not show to anonymous
  // watchers) the event's own categories, with the counts unknown rather than zero.
  const live = new Map(availability?.priceCategories.map((c) => [c.categoryId, c]) ?? []);
  const count = (n: number | undefined) => (n === undefined ? "–" : n);

  return (
    <section class="org">
      <p class="breadcrumb">
        <a href="/organizer">{t("orgHomeTitle")}</a>
      </p>
      <PageTitle>{event.name}</PageTitle>
      <p>
        {t("orgStatus")}: <strong>{eventStatusText(event.status)}</strong> ·{" "}
        {formatDateTime(event.startsAt, event.timezone)} ·{" "}
        <a href={`/organizer/events/${id}/edit`}>{t("orgEditLink")}</a>
      </p>

      <h2>{t("orgSeatsHeading")}</h2>
      <p class={connected ? "live on" : "live"} aria-live="polite">
        {connected ? t("orgLive") : event.status === "Draft" ? t("orgLiveAfterPublish") : t("orgNotLive")}
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={t("orgSeatsHeading")}>
        <table class="data">
          <caption class="visually-hidden">{t("orgSeatsHeading")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("orgCategoryName")}</th>
              <th scope="col">{t("orgPrice")}</th>
              <th scope="col">{t("orgSold")}</th>
              <th scope="col">{t("orgHeld")}</th>
              <th scope="col">{t("orgAvailable")}</th>
              <th scope="col">{t("orgSeats")}</th>
            </tr>
          </thead>
          <tbody>
            {event.priceCategories.map((c) => (
              <tr key={c.categoryId}>
                <th scope="row">{c.name}</th>
                <td>{formatMoney(c.price)}</td>
                <td data-testid={`sold-${c.categoryId}`}>{count(live.get(c.categoryId)?.soldSeats)}</td>
                <td data-testid={`held-${c.categoryId}`}>{count(live.get(c.categoryId)?.reservedSeats)}</td>
                <td data-testid={`available-${c.categoryId}`}>{count(live.get(c.categoryId)?.availableSeats)}</td>
                <td>{live.get(c.categoryId)?.totalSeats ?? c.totalSeats}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div class="tiles">
        <div class="tile">
          <h2>{t("orgRevenue")}</h2>
          {report === null && !dataError && <p>{t("loading")}</p>}
          {report?.length === 0 && <p data-testid="revenue">{t("orgNoRevenue")}</p>}
          {report?.map((line) => (
            <dl class="facts" key={line.currency}>
              <dt>{t("orgGross")}</dt>
              <dd data-testid="revenue">{formatMoney({ amount: line.gross, currency: line.currency })}</dd>
              <dt>{t("orgRefunded")}</dt>
              <dd>{formatMoney({ amount: line.refunded + line.chargedBack, currency: line.currency })}</dd>
              <dt>{t("orgNet")}</dt>
              <dd>{formatMoney({ amount: line.net, currency: line.currency })}</dd>
            </dl>
          ))}
        </div>
        <div class="tile">
          <h2>{t("orgCheckin")}</h2>
          {checkin.error ? (
            <p>{t("orgCheckinUnavailable")}</p>
          ) : checkin.doc ? (
            <>
              <progress
                id="checkin-progress"
                max={Math.max(1, checkin.doc.sold)}
                value={checkin.doc.admitted}
                aria-label={t("orgCheckin")}
              />
              <p data-testid="checkin">
                {t("orgAdmitted", { admitted: checkin.doc.admitted, sold: checkin.doc.sold })}
              </p>
            </>
          ) : (
            <p>{t("loading")}</p>
          )}
        </div>
      </div>

      <h2>{t("orgSalesOverTime")}</h2>
      {series.times.length === 0 ? <p>{t("orgNoSales")}</p> : <SalesChart series={series} timeZone={event.timezone} />}
      {series.times.length > 0 && (
        <p class="hint">
          {t("orgChartSpan", { from: formatDate(new Date(series.times[0] * 1000).toISOString(), event.timezone) })}
        </p>
      )}

      <h2>{t("orgOrders")}</h2>
      <ErrorMessage error={dataError} />
      {orders && (
        <OrderTable
          event={event}
          orders={orders.orders}
          total={orders.total}
          names={names}
          admin={admin}
          onRefunded={refreshData}
        />
      )}

      <Scanners eventId={id} />
      <Announcements eventId={id} />
    </section>
  );
}
