// Operators compare messages a few milliseconds apart: times to the second, in the browser's zone.
import { currentLang } from "../i18n";

export function formatInstant(iso: string): string {
  return new Intl.DateTimeFormat(currentLang() === "de" ? "de-DE" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "medium",
  }).format(new Date(iso));
}
