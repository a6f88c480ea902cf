// Notification preferences: language, time zone, frequency, and per channel which categories
// may reach the user. Rules the server enforces (transactional always on, email and in-app always
// enabled) are shown as fixed; every refusal comes back at its field from the 400's `errors`.
import { useEffect, useState } from "preact/hooks";
import { call, type ApiError } from "../api/client";
import { Field } from "../components/Field";
import { ErrorMessage } from "../components/ErrorMessage";
import { t } from "../i18n";

type Category = "transactional" | "marketing" | "reminders";
interface Channel {
  enabled: boolean;
  categories: Record<Category, boolean>;
  address?: string | null;
  phoneNumber?: string | null;
  deviceTokens?: string[];
}
interface Preferences {
  language: string;
  timezone: string;
  frequency: "immediate" | "dailyDigest";
  channels: Record<"email" | "sms" | "push" | "inApp", Channel>;
}

const channels = ["email", "sms", "inApp"] as const;
const optional: Category[] = ["marketing", "reminders"];

export function PreferencesForm() {
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [etag, setEtag] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  const load = () =>
    call("GET", "/api/v1/notifications/preferences").then(async (response) => {
      setEtag(response.headers.get("ETag") ?? "");
      setPrefs((await response.json()) as Preferences);
    }, setError);
  useEffect(() => void load(), []);

  if (!prefs) return <ErrorMessage error={error} />;
  const update = (change: (p: Preferences) => void) => {
    const next = structuredClone(prefs);
    change(next);
    setPrefs(next);
    setSaved(false);
  };
  const fieldError = (field: string) => error?.errors.find((e) => e.field === field)?.message;

  return (
    <form
      aria-labelledby="prefs-title"
      class="narrow"
      onSubmit={(e) => {
        e.preventDefault();
        call("PUT", "/api/v1/notifications/preferences", { body: prefs, headers: { "If-Match": etag } }).then(
          async (response) => {
            setEtag(response.headers.get("ETag") ?? "");
            setPrefs((await response.json()) as Preferences);
            setError(null);
            setSaved(true);
          },
          (e: ApiError) => {
            setError(e);
            // Changed elsewhere meanwhile: show what is stored now, the user decides again.
            if (e.status === 412) void load();
          },
        );
      }}
    >
      <h2 id="prefs-title">{t("prefsTitle")}</h2>
      <div class="field">
        <label for="pref-language">{t("prefsLanguage")}</label>
        <select
          id="pref-language"
          value={prefs.language}
          onChange={(e) => update((p) => (p.language = e.currentTarget.value))}
        >
          <option value="en">English</option>
          <option value="de">Deutsch</option>
        </select>
      </div>
      <Field
        id="pref-timezone"
        label={t("prefsTimezone")}
        hint={t("prefsTimezoneHint")}
        value={prefs.timezone}
        error={fieldError("timezone")}
        onInput={(e) => update((p) => (p.timezone = e.currentTarget.value))}
      />
      <div class="field">
        <label for="pref-frequency">{t("prefsFrequency")}</label>
        <select
          id="pref-frequency"
          value={prefs.frequency}
          onChange={(e) => update((p) => (p.frequency = e.currentTarget.value as Preferences["frequency"]))}
        >
          <option value="immediate">{t("prefsImmediate")}</option>
          <option value="dailyDigest">{t("prefsDigest")}</option>
        </select>
      </div>
      {channels.map((name) => {
        const channel = prefs.channels[name];
        return (
          <fieldset key={name} class="roles">
            <legend>{t(`prefsChannel_${name}`)}</legend>
            {name === "sms" && (
              <label class="check" for="pref-sms-enabled">
                <input
                  id="pref-sms-enabled"
                  type="checkbox"
                  checked={channel.enabled}
                  onChange={(e) => update((p) => (p.channels.sms.enabled = e.currentTarget.checked))}
                />{" "}
                {t("prefsSmsEnabled")}
              </label>
            )}
            {optional.map((category) => (
              <label key={category} class="check" for={`pref-${name}-${category}`}>
                <input
                  id={`pref-${name}-${category}`}
                  type="checkbox"
                  checked={channel.categories[category]}
                  onChange={(e) => update((p) => (p.channels[name].categories[category] = e.currentTarget.checked))}
                />{" "}
                {t(`prefsCategory_${category}`)}
              </label>
            ))}
            {name === "sms" && (
              <Field
                id="pref-sms-phone"
                label={t("prefsPhone")}
                hint={t("prefsPhoneHint")}
                type="tel"
                value={channel.phoneNumber ?? ""}
                error={fieldError("channels.sms.phoneNumber")}
                onInput={(e) => update((p) => (p.channels.sms.phoneNumber = e.currentTarget.value.trim() || null))}
              />
            )}
          </fieldset>
        );
      })}
      <p class="hint">{t("prefsTransactional")}</p>
      <ErrorMessage
        error={error && !fieldError("timezone") && !fieldError("channels.sms.phoneNumber") ? error : null}
      />
      {saved && (
        <p role="status" class="alert ok">
          {t("prefsSaved")}
        </p>
      )}
      <button type="submit" class="primary">
        {t("prefsSave")}
      </button>
    </form>
  );
}
