// An error from the API in words. Only text: a server's `detail` can never become markup.
import { ApiError } from "../api/problem";
import { t } from "../i18n";

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("networkError");
    return t("genericError", { detail: error.detail || error.title });
  }
  return t("genericError", { detail: String(error) });
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="alert error" role="alert">
      {errorText(error)}
    </p>
  );
}
