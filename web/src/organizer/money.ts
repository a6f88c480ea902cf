// Minor units of a currency (2 for EUR, 0 for JPY), as the browser's Intl knows them.
import type { Money } from "../api/types";

export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

// 5900 EUR → "59.00": a plain number for forms and CSV (no locale grouping).
export function majorUnits(money: Money): string {
  const digits = minorDigits(money.currency);
  return (money.amount / 10 ** digits).toFixed(digits);
}
