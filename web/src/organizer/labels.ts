// Status words from the API in the reader's language; an unknown status (a newer server) is
// shown as the API spells it rather than breaking the page.
import { t } from "../i18n";
import { en, type MessageKey } from "../i18n/en";

function labelled(prefix: string, value: string): string {
  const key = `${prefix}${value}`;
  return key in en ? t(key as MessageKey) : value;
}

export const eventStatusText = (status: string) => labelled("orgStatus_", status);
export const orderStatusText = (status: string) => labelled("orgOrderStatus_", status);
