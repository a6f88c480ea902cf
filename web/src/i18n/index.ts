// The language (from the browser, switchable and remembered: only the choice is stored, in
// localStorage; never a token) and locale-aware formatting of money and dates.
import { useEffect, useState } from "preact/hooks";
import { de } from "./de";
import { en, type MessageKey, type Messages } from "./en";
import type { Money } from "../api/types";

export type Lang = "en" | "de";
const catalogs: Record<Lang, Messages> = { en, de };
const storageKey = "boxoffice.lang";

function initialLang(): Lang {
  const stored = localStorage.getItem(storageKey);
  if (stored === "en" || stored === "de") return stored;
  return (navigator.languages ?? [navigator.language]).some((l) => l.toLowerCase().startsWith("de")) ? "de" : "en";
}

let lang: Lang = initialLang();
const listeners = new Set<() => void>();
document.documentElement.lang = lang;

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang) {
  lang = next;
  localStorage.setItem(storageKey, next);
  document.documentElement.lang = next;
  listeners.forEach((l) => l());
}

// Re-renders the calling component when the language changes.
export function useLang(): Lang {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return lang;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogs[lang][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

// A reason slug from the API in words, or the slug itself when there is no text for it.
export function reasonText(reason: string | null | undefined): string {
  const key = `reason_${reason ?? "unknown"}` as MessageKey;
  return key in en ? t(key) : t("reason_unknown", { reason: reason ?? "?" });
}

const locale = () => (lang === "de" ? "de-DE" : "en-GB");

// Integer minor units → the locale's currency format (2999 EUR → "29,99 €" in German).
export function formatMoney(money: Money): string {
  const format = new Intl.NumberFormat(locale(), { style: "currency", currency: money.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount / 10 ** digits);
}

// A date and time in the event's time zone (not the browser's): doors open where the venue is.
export function formatDateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: "full",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

export function formatDate(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short", timeZone }).format(
    new Date(iso),
  );
}
