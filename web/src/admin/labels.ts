// The API's enum values in the reader's language: roles, delivery statuses, saga states. A value
// without a text (one added to the API later) is shown as it is.
import { t } from "../i18n";
import { en, type MessageKey } from "../i18n/en";

function label(prefix: string, value: string): string {
  const key = `${prefix}${value}` as MessageKey;
  return key in en ? t(key) : value;
}

export const roleLabel = (role: string) => label("adminRole_", role);
export const deliveryStatusLabel = (status: string) => label("adminDelivery_", status);
export const sagaStateLabel = (state: string) => label("adminSaga_", state);
