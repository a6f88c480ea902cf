// Creating and editing an event: every field of the API's body, dates as wall-clock times in the
// event's time zone, price categories added and removed in place. Saving sends If-Match with the
// ETag the form was loaded with; a 412 means someone else saved in between, and the organizer is
// asked to reload rather than overwrite their change. Publish and cancel live here too.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../api/problem";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { PageTitle } from "../components/PageTitle";
import { t } from "../i18n";
import { navigate } from "../router";
import { eventStatusText } from "./labels";
import {
  categories,
  changeStatus,
  createEvent,
  loadEvent,
  updateEvent,
  type EditableEvent,
  type Versioned,
} from "./api";
import { majorUnits, minorDigits } from "./money";
import { isZone, utcToZoned, zonedToUtc } from "./zoned";

interface CategoryRow {
  categoryId: string;
  name: string;
  price: string; // in major units as typed: "59.00"
  currency: string;
  totalSeats: string;
}

interface Form {
  name: string;
  description: string;
  category: string;
  startsAt: string; // datetime-local, in `timezone`
  endsAt: string;
  timezone: string;
  venueName: string;
  venueAddress: string;
  venueCity: string;
  venueCountry: string;
  maxCapacity: string;
  rows: CategoryRow[];
}

function emptyForm(): Form {
  return {
    name: "",
    description: "",
    category: "concert",
    startsAt: "",
    endsAt: "",
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    venueName: "",
    venueAddress: "",
    venueCity: "",
    venueCountry: "",
    maxCapacity: "100",
    rows: [{ categoryId: "general", name: "General Admission", price: "", currency: "EUR", totalSeats: "100" }],
  };
}

function formOf({ event }: Versioned): Form {
  return {
    name: event.name,
    description: event.description,
    category: event.category,
    startsAt: utcToZoned(event.startsAt, event.timezone),
    endsAt: utcToZoned(event.endsAt, event.timezone),
    timezone: event.timezone,
    venueName: event.venue.name,
    venueAddress: event.venue.address ?? "",
    venueCity: event.venue.city,
    venueCountry: event.venue.country,
    maxCapacity: String(event.maxCapacity),
    rows: event.priceCategories.map((c) => ({
      categoryId: c.categoryId,
      name: c.name,
      price: majorUnits(c.price),
      currency: c.price.currency,
      totalSeats: String(c.totalSeats),
    })),
  };
}

// The API's body. Values the browser cannot read are sent as they are, so the API names the
// field in its 400 (one place for the rules: the server).
function bodyOf(form: Form): EditableEvent {
  const zone = form.timezone.trim();
  return {
    name: form.name,
    description: form.description,
    category: form.category,
    startsAt: zonedToUtc(form.startsAt, zone) ?? form.startsAt,
    endsAt: zonedToUtc(form.endsAt, zone) ?? form.endsAt,
    timezone: zone,
    venue: {
      name: form.venueName,
      address: form.venueAddress,
      city: form.venueCity,
      country: form.venueCountry.trim().toUpperCase(),
    },
    maxCapacity: Number(form.maxCapacity),
    priceCategories: form.rows.map((row) => {
      const currency = row.currency.trim().toUpperCase();
      return {
        categoryId: row.categoryId.trim(),
        name: row.name,
        price: { amount: Math.round(Number(row.price.replace(",", ".")) * 10 ** minorDigits(currency)), currency },
        totalSeats: Number(row.totalSeats),
      };
    }),
  };
}

export function EventEditor({ id }: { id?: string }) {
  const [loaded, setLoaded] = useState<Versioned | null>(null);
  const [form, setForm] = useState<Form | null>(id ? null : emptyForm());
  const [slugs, setSlugs] = useState<{ slug: string; name: string }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflict] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () => {
    if (!id) return;
    setConflict(false);
    setError(null);
    loadEvent(id).then((v) => {
      setLoaded(v);
      setForm(formOf(v));
    }, setError);
  };
  useEffect(load, [id]);
  useEffect(() => {
    categories().then(
      (page) => setSlugs(page.items),
      () => setSlugs([]),
    );
  }, []);

  const zoneOk = useMemo(() => (form ? isZone(form.timezone.trim()) : true), [form?.timezone]);

  if (!form) {
    return error ? <AccessProblem error={error} /> : <p aria-live="polite">{t("loading")}</p>;
  }

  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch });
  const setRow = (i: number, patch: Partial<CategoryRow>) =>
    set({ rows: form.rows.map((row, j) => (j === i ? { ...row, ...patch } : row)) });
  const fieldError = (path: string) =>
    error instanceof ApiError ? error.errors.find((e) => e.field === path)?.message : undefined;
  const final = loaded && (loaded.event.status === "Cancelled" || loaded.event.status === "Completed");

  const failed = (e: unknown) => {
    setBusy(false);
    if (e instanceof ApiError && e.status === 412) setConflict(true);
    else setError(e);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      if (!id) {
        const created = await createEvent(bodyOf(form));
        navigate(`/organizer/events/${created.event.id}/edit?created=1`);
        return;
      }
      const saved = await updateEvent(id, bodyOf(form), loaded!.etag);
      setLoaded(saved);
      setForm(formOf(saved));
      setNotice(t("orgSaved"));
      setBusy(false);
    } catch (err) {
      failed(err);
    }
  };

  const status = async (action: "publish" | "cancel") => {
    if (!id || !loaded) return;
    if (action === "cancel" && !confirm(t("orgCancelConfirm"))) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const changed = await changeStatus(id, action, loaded.etag);
      setLoaded(changed);
      setNotice(t(action === "publish" ? "orgPublished" : "orgCancelled"));
      setBusy(false);
    } catch (err) {
      failed(err);
    }
  };

  const title = id ? t("orgEditTitle", { name: loaded?.event.name ?? "" }) : t("orgNewTitle");
  const general = error instanceof ApiError && error.errors.length > 0 ? null : error;

  return (
    <section class="org">
      <p class="breadcrumb">
        <a href="/organizer">{t("orgHomeTitle")}</a>
        {id && (
          <>
            {" › "}
            <a href={`/organizer/events/${id}`}>{t("orgDashboardLink")}</a>
          </>
        )}
      </p>
      <PageTitle>{title}</PageTitle>
      {loaded && (
        <p>
          {t("orgStatus")}: <strong data-testid="event-status">{eventStatusText(loaded.event.status)}</strong>
        </p>
      )}
      {conflict && (
        <div class="alert error" role="alert">
          <p>{t("orgConflict")}</p>
          <button type="button" onClick={load}>
            {t("orgReload")}
          </button>
        </div>
      )}
      {new URLSearchParams(window.location.search).has("created") && !notice && !conflict && (
        <p class="alert ok" role="status">
          {t("orgCreated")}
        </p>
      )}
      {notice && (
        <p class="alert ok" role="status">
          {notice}
        </p>
      )}
      {general && <ErrorMessage error={general} />}
      {error instanceof ApiError && error.errors.length > 0 && (
        <p class="alert error" role="alert">
          {t("orgFixFields", { count: error.errors.length })}
        </p>
      )}
      <form onSubmit={save} noValidate>
        <fieldset disabled={!!final}>
          <legend>{t("orgAbout")}</legend>
          <Field
            id="ev-name"
            label={t("orgName")}
            value={form.name}
            required
            maxLength={200}
            error={fieldError("name")}
            onInput={(e) => set({ name: e.currentTarget.value })}
          />
          <div class={fieldError("description") ? "field invalid" : "field"}>
            <label for="ev-description">{t("orgDescription")}</label>
            <textarea
              id="ev-description"
              rows={4}
              value={form.description}
              onInput={(e) => set({ description: e.currentTarget.value })}
            />
            {fieldError("description") && <p class="error">{fieldError("description")}</p>}
          </div>
          <div class="field">
            <label for="ev-category">{t("orgCategory")}</label>
            <select id="ev-category" value={form.category} onChange={(e) => set({ category: e.currentTarget.value })}>
              {(slugs.length ? slugs : [{ slug: form.category, name: form.category }]).map((c) => (
                <option key={c.slug} value={c.slug}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
        </fieldset>
        <fieldset disabled={!!final}>
          <legend>{t("orgWhen")}</legend>
          <Field
            id="ev-timezone"
            label={t("orgTimezone")}
            hint={t("orgTimezoneHint")}
            value={form.timezone}
            error={fieldError("timezone") ?? (zoneOk ? undefined : t("orgTimezoneUnknown"))}
            onInput={(e) => set({ timezone: e.currentTarget.value })}
          />
          <div class="row2">
            <Field
              id="ev-starts"
              type="datetime-local"
              label={t("orgStartsAt")}
              value={form.startsAt}
              error={fieldError("startsAt")}
              onInput={(e) => set({ startsAt: e.currentTarget.value })}
            />
            <Field
              id="ev-ends"
              type="datetime-local"
              label={t("orgEndsAt")}
              value={form.endsAt}
              error={fieldError("endsAt")}
              onInput={(e) => set({ endsAt: e.currentTarget.value })}
            />
          </div>
        </fieldset>
        <fieldset disabled={!!final}>
          <legend>{t("orgWhere")}</legend>
          <Field
            id="ev-venue"
            label={t("orgVenueName")}
            value={form.venueName}
            error={fieldError("venue.name")}
            onInput={(e) => set({ venueName: e.currentTarget.value })}
          />
          <Field
            id="ev-address"
            label={t("orgVenueAddress")}
            value={form.venueAddress}
            error={fieldError("venue.address")}
            onInput={(e) => set({ venueAddress: e.currentTarget.value })}
          />
          <div class="row2">
            <Field
              id="ev-city"
              label={t("orgVenueCity")}
              value={form.venueCity}
              error={fieldError("venue.city")}
              onInput={(e) => set({ venueCity: e.currentTarget.value })}
            />
            <Field
              id="ev-country"
              label={t("orgVenueCountry")}
              hint={t("orgVenueCountryHint")}
              value={form.venueCountry}
              maxLength={2}
              error={fieldError("venue.country")}
              onInput={(e) => set({ venueCountry: e.currentTarget.value })}
            />
          </div>
        </fieldset>
        <fieldset disabled={!!final}>
          <legend>{t("orgTickets")}</legend>
          <Field
            id="ev-capacity"
            type="number"
            min={1}
            label={t("orgMaxCapacity")}
            value={form.maxCapacity}
            error={fieldError("maxCapacity")}
            onInput={(e) => set({ maxCapacity: e.currentTarget.value })}
          />
          {fieldError("priceCategories") && <p class="error">{fieldError("priceCategories")}</p>}
          {form.rows.map((row, i) => (
            <div class="price-row" key={i} role="group" aria-label={t("orgPriceCategoryN", { n: i + 1 })}>
              <Field
                id={`pc-${i}-id`}
                label={t("orgCategoryId")}
                value={row.categoryId}
                error={fieldError(`priceCategories[${i}].categoryId`)}
                onInput={(e) => setRow(i, { categoryId: e.currentTarget.value })}
              />
              <Field
                id={`pc-${i}-name`}
                label={t("orgPriceCategoryName")}
                value={row.name}
                error={fieldError(`priceCategories[${i}].name`)}
                onInput={(e) => setRow(i, { name: e.currentTarget.value })}
              />
              <Field
                id={`pc-${i}-price`}
                inputMode="decimal"
                label={t("orgPrice")}
                value={row.price}
                error={fieldError(`priceCategories[${i}].price.amount`)}
                onInput={(e) => setRow(i, { price: e.currentTarget.value })}
              />
              <Field
                id={`pc-${i}-currency`}
                label={t("orgCurrency")}
                value={row.currency}
                maxLength={3}
                error={fieldError(`priceCategories[${i}].price.currency`)}
                onInput={(e) => setRow(i, { currency: e.currentTarget.value })}
              />
              <Field
                id={`pc-${i}-seats`}
                type="number"
                min={1}
                label={t("orgSeats")}
                value={row.totalSeats}
                error={fieldError(`priceCategories[${i}].totalSeats`)}
                onInput={(e) => setRow(i, { totalSeats: e.currentTarget.value })}
              />
              <button type="button" onClick={() => set({ rows: form.rows.filter((_, j) => j !== i) })}>
                {t("orgRemoveCategory", { n: i + 1 })}
              </button>
            </div>
          ))}
          <button
            type="button"
            onClick={() =>
              set({
                rows: [
                  ...form.rows,
                  { categoryId: "", name: "", price: "", currency: form.rows[0]?.currency ?? "EUR", totalSeats: "1" },
                ],
              })
            }
          >
            {t("orgAddCategory")}
          </button>
        </fieldset>
        <div class="actions">
          {!final && (
            <button type="submit" class="primary" disabled={busy}>
              {id ? t("orgSave") : t("orgCreate")}
            </button>
          )}
          {loaded?.event.status === "Draft" && (
            <button type="button" disabled={busy} onClick={() => void status("publish")}>
              {t("orgPublish")}
            </button>
          )}
          {(loaded?.event.status === "Draft" || loaded?.event.status === "Published") && (
            <button type="button" class="danger" disabled={busy} onClick={() => void status("cancel")}>
              {t("orgCancelEvent")}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

// A 403/404 from the API in words an organizer understands, instead of an empty page.
export function AccessProblem({ error }: { error: unknown }) {
  if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
    return (
      <section>
        <PageTitle>{t("orgNoAccessTitle")}</PageTitle>
        <p class="alert error" role="alert">
          {t(error.status === 403 ? "orgForbidden" : "orgNotYours")}
        </p>
        <p>
          <a href="/">{t("backToEvents")}</a>
        </p>
      </section>
    );
  }
  return <ErrorMessage error={error} />;
}
