// Sign in and sign up. After either, the page the buyer came from (?next=) or the catalogue.
import { useState } from "preact/hooks";
import { ApiError } from "../api/problem";
import { signIn, signUp } from "../api/session";
import { errorText } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { PageTitle } from "../components/PageTitle";
import { t } from "../i18n";
import { navigate, type Location } from "../router";

// Only a path on this site: ?next= must not send anyone elsewhere.
function nextPath(location: Location): string {
  const next = location.query.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

// "?next=…" to pass on between the two pages, or "".
function nextQuery(location: Location): string {
  return location.query.get("next") ? `?next=${encodeURIComponent(nextPath(location))}` : "";
}

function messageFor(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return t("invalidCredentials");
  if (error instanceof ApiError && error.status === 429) return t("tooManyAttempts");
  return errorText(error);
}

export function SignInPage({ location }: { location: Location }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      navigate(nextPath(location), true);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldMessage(name) : undefined);
  return (
    <section class="narrow">
      <PageTitle>{t("signInTitle")}</PageTitle>
      <form onSubmit={submit} noValidate>
        {error !== null && (
          <p class="alert error" role="alert">
            {messageFor(error)}
          </p>
        )}
        <Field
          id="email"
          label={t("email")}
          type="email"
          autocomplete="username"
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
          error={fieldError("email")}
          required
        />
        <Field
          id="password"
          label={t("password")}
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          error={fieldError("password")}
          required
        />
        <button type="submit" class="primary" disabled={busy}>
          {t("submitSignIn")}
        </button>
      </form>
      <p>
        {t("noAccount")} <a href={`/signup${nextQuery(location)}`}>{t("navSignUp")}</a>
      </p>
    </section>
  );
}

export function SignUpPage({ location }: { location: Location }) {
  const [form, setForm] = useState({ displayName: "", email: "", password: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signUp(form.email.trim(), form.password, form.displayName.trim());
      navigate(nextPath(location), true);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldMessage(name) : undefined);
  const formLevel = error !== null && !(error instanceof ApiError && error.errors.length > 0);
  return (
    <section class="narrow">
      <PageTitle>{t("signUpTitle")}</PageTitle>
      <form onSubmit={submit} noValidate>
        {formLevel && (
          <p class="alert error" role="alert">
            {messageFor(error)}
          </p>
        )}
        <Field
          id="display-name"
          label={t("displayName")}
          autocomplete="name"
          value={form.displayName}
          onInput={set("displayName")}
          error={fieldError("displayName")}
          required
        />
        <Field
          id="email"
          label={t("email")}
          type="email"
          autocomplete="username"
          value={form.email}
          onInput={set("email")}
          error={fieldError("email")}
          required
        />
        <Field
          id="password"
          label={t("password")}
          type="password"
          autocomplete="new-password"
          hint={t("passwordHint")}
          value={form.password}
          onInput={set("password")}
          error={fieldError("password")}
          required
        />
        <button type="submit" class="primary" disabled={busy}>
          {t("submitSignUp")}
        </button>
      </form>
      <p>
        {t("haveAccount")} <a href={`/signin${nextQuery(location)}`}>{t("navSignIn")}</a>
      </p>
    </section>
  );
}
