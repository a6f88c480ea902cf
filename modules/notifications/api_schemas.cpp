#include "api_schemas.hpp"

#include <boost/json.hpp>
#include <cstdint>

#include "catalogue.hpp"
#include "template_store.hpp"

namespace boxoffice::notifications::api_schemas {

namespace {

namespace api = openapi;
namespace json = boost::json;

api::Schema withEnum(json::array values) { return {{"type", "string"}, {"enum", std::move(values)}}; }

// A member that is a date-time, or "" while the preferences were never saved (the documented
// answer of GET for the defaults: docs/api/notifications.md).
api::Schema dateTimeOrEmpty() {
  return api::described({{"anyOf", json::array{api::dateTime(), api::enumeration({""})}}},
                        "When they were last saved; \"\" for the defaults, never saved.");
}

api::Schema mustBeTrue(std::string_view why) { return api::described({{"type", "boolean"}, {"const", true}}, why); }

api::Schema categoriesAnswer() {
  return api::object({{"transactional", api::boolean()}, {"marketing", api::boolean()}, {"reminders", api::boolean()}});
}

api::Schema categoriesBody() {
  return api::object({{"transactional", mustBeTrue("Transactional notifications cannot be turned off.")},
                      {"marketing", api::boolean()},
                      {"reminders", api::boolean()}});
}

api::Schema frequency() {
  return api::described(api::enumeration({"immediate", "dailyDigest"}),
                        "dailyDigest holds marketing and reminders for the daily digest; transactional is always "
                        "immediate.");
}

api::Schema preferencesAnswer() {
  return api::object(
      {{"language", api::enumeration({"en", "de"})},
       {"timezone", api::described(api::string(), "An IANA time zone, e.g. Europe/Berlin.")},
       {"frequency", frequency()},
       {"channels",
        api::object({{"email", api::object({{"enabled", api::boolean()},
                                            {"categories", categoriesAnswer()},
                                            {"address", api::described(api::nullable(api::string()),
                                                                       "The registration address (read-only); null "
                                                                       "when unknown.")}})},
                     {"sms", api::object({{"enabled", api::boolean()},
                                          {"categories", categoriesAnswer()},
                                          {"phoneNumber", api::nullable(api::string())}})},
                     {"push", api::object({{"enabled", api::boolean()},
                                           {"categories", categoriesAnswer()},
                                           {"deviceTokens", api::arrayOf(api::string())}})},
                     {"inApp", api::object({{"enabled", api::boolean()}, {"categories", categoriesAnswer()}})}})},
       {"updatedAt", dateTimeOrEmpty()}});
}

api::Schema inAppNotification() {
  return api::object({{"id", api::uuid()},
                      {"type", notificationType()},
                      {"title", api::string()},
                      {"body", api::string()},
                      {"createdAt", api::dateTime()},
                      {"readAt", api::nullable(api::dateTime())}});
}

api::Schema delivery() {
  return api::object(
      {{"id", api::uuid()},
       {"userId", api::string()},
       {"type", notificationType()},
       {"channel", channel()},
       {"category", category()},
       {"status", deliveryStatus()},
       {"attempts", api::integer(0, INT32_MAX)},
       {"lastError", api::described(api::nullable(api::string()),
                                    "Why it failed or was suppressed (e.g. no-address, category-off:marketing).")},
       {"variant", api::described(api::string(), "The A/B variant chosen; empty without variants.")},
       {"language", api::described(api::string(), "The language it was written in.")},
       {"sourceMessageId",
        api::described(api::string(), "Its cause: a bus message id, an announcement id or a reminder key.")},
       {"correlationId", api::string()},
       {"createdAt", api::dateTime()},
       {"sentAt", api::nullable(api::dateTime())},
       {"nextAttemptAt", api::described(api::nullable(api::dateTime()), "Set only while Queued.")},
       {"digestAt", api::described(api::nullable(api::dateTime()), "When it is held for the daily digest.")},
       {"digestId", api::described(api::nullable(api::uuid()), "The Digest delivery it went out in.")}});
}

api::Schema templateSource() { return api::enumeration({"shipped", "override"}); }

api::Schema templateDocument() {
  auto variant = api::object({{"id", api::string(1, 32)},
                              {"weight", api::integer(0, 100)},
                              {"subject", api::nullable(api::string())},
                              {"text", api::nullable(api::string())},
                              {"html", api::nullable(api::string())}});
  return api::object(
      {{"type", notificationType()},
       {"channel", channel()},
       {"language", templateLanguage()},
       {"category", category()},
       {"source", templateSource()},
       {"version", api::described(api::integer(0, INT64_MAX), "0 until first overridden; the ETag.")},
       {"subject", api::described(api::nullable(api::string()), "null for sms, which has no subject.")},
       {"text", api::string()},
       {"html", api::described(api::nullable(api::string()), "null for every channel but email.")},
       {"variants", api::arrayOf(std::move(variant))},
       {"variables", api::described(api::arrayOf(api::string()), "The variables the type's templates may name.")},
       {"updatedAt", api::nullable(api::dateTime())},
       {"updatedBy", api::described(api::nullable(api::string()), "The user id of the last change.")}});
}

api::Schema templateSummary() {
  return api::object({{"type", notificationType()},
                      {"channel", channel()},
                      {"language", templateLanguage()},
                      {"category", category()},
                      {"source", templateSource()},
                      {"variants", api::described(api::integer(0, 10), "How many A/B variants it has.")},
                      {"version", api::integer(0, INT64_MAX)},
                      {"updatedAt", api::nullable(api::dateTime())}});
}

}  // namespace

api::Schema notificationType() {
  json::array names;
  for (const auto& type : notificationTypes()) names.emplace_back(type.type);
  return withEnum(std::move(names));
}

api::Schema channel() { return api::enumeration({"email", "sms", "push", "inApp"}); }

api::Schema category() { return api::enumeration({"transactional", "marketing", "reminders"}); }

api::Schema deliveryStatus() { return api::enumeration({"Queued", "Sent", "Failed", "Suppressed"}); }

api::Schema templateLanguage() {
  json::array names;
  for (auto language : kTemplateLanguages) names.emplace_back(language);
  return withEnum(std::move(names));
}

api::Schema preferencesBody() {
  auto categories = categoriesBody();
  auto tokens = api::arrayOf(api::string(1, 512));
  tokens["maxItems"] = 10;
  auto phone = api::string();
  phone["pattern"] = "^\\+[1-9][0-9]{6,14}$";
  return api::object(
      {{"language", api::enumeration({"en", "de"})},
       {"timezone", api::described(api::string(1, 64), "An IANA time zone (ICU's list), e.g. Europe/Berlin.")},
       {"frequency", frequency()},
       {"channels",
        api::object(
            {{"email",
              api::object({{"enabled", mustBeTrue("Email carries the receipts: turn its categories off instead.")},
                           {"categories", categories},
                           api::optional("address", api::described(api::nullable(api::string()),
                                                                   "Read-only: if sent, the registration address "
                                                                   "(null when unknown)."))})},
             {"sms", api::object(
                         {{"enabled", api::boolean()},
                          {"categories", categories},
                          api::optional("phoneNumber",
                                        api::described(api::nullable(phone),
                                                       "E.164, e.g. +4915123456789; required when sms is enabled."))})},
             {"push", api::object({{"enabled", api::boolean()},
                                   {"categories", categories},
                                   api::optional("deviceTokens",
                                                 api::described(std::move(tokens),
                                                                "At least one when push is enabled (push goes to "
                                                                "the first)."))})},
             {"inApp",
              api::object({{"enabled", mustBeTrue("In-app carries the receipts: turn its categories off instead.")},
                           {"categories", categories}})}})},
       api::optional("updatedAt", api::described(api::string(), "Ignored (a GET answer may be sent back as it is)."))});
}

api::Schema templateBody() {
  auto variantId = api::string(1, 32);
  variantId["pattern"] = "^[A-Za-z0-9_-]+$";
  auto variant = api::object({{"id", api::described(std::move(variantId), "Unique in the template.")},
                              {"weight", api::integer(0, 100)},
                              api::optional("subject", api::nullable(api::string(1, 1000))),
                              api::optional("text", api::nullable(api::string(1, 65536))),
                              api::optional("html", api::nullable(api::string(1, 65536)))});
  auto variants = api::described(api::arrayOf(std::move(variant)),
                                 "A/B variants: each replaces the parts it has; the weights add up to 100.");
  variants["maxItems"] = 10;
  return api::object(
      {api::optional("subject", api::described(api::nullable(api::string(1, 1000)),
                                               "Required for email, push and inApp (at most 1000 characters); sms "
                                               "has none: absent or null.")),
       {"text", api::described(api::string(1, 65536), "At most 65536 characters.")},
       api::optional("html", api::described(api::nullable(api::string(1, 65536)),
                                            "Required for email (at most 65536 characters); the other channels "
                                            "have none: absent or null.")),
       api::optional("variants", std::move(variants))});
}

void defineSchemas(api::Components& components) {
  components.define("NotificationPreferences", preferencesAnswer());
  components.define("InAppNotification", inAppNotification());
  components.define("NotificationDelivery", delivery());
  components.define("NotificationTemplate", templateDocument());
  components.define("NotificationTemplateSummary", templateSummary());
}

}  // namespace boxoffice::notifications::api_schemas
