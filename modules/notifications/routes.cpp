#include "routes.hpp"

#include <boost/json.hpp>
#include <cstdint>

#include "api_schemas.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/context.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/preconditions.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "boxoffice/kernel/router.hpp"
#include "boxoffice/kernel/time.hpp"
#include "preferences.hpp"
#include "read_model.hpp"
#include "unsubscribe_tokens.hpp"

namespace boxoffice::notifications {

namespace {

using http::Method;
using http::Request;
using http::Response;
constexpr std::string_view kModule = "notifications";

Response preferencesResponse(const Preferences& p, const std::optional<std::string>& address) {
  return Response::json(200, boost::json::serialize(toJson(p, address))).with("ETag", etagOf(p.version));
}

std::optional<std::string> addressOf(soci::session& sql, const std::string& userId) {
  auto user = read_model::findUser(sql, userId);
  if (!user || user->email.empty()) return std::nullopt;
  return user->email;
}

Problem invalidToken() {
  return {400, "invalid-unsubscribe-token", "Invalid unsubscribe link.",
          "This unsubscribe link is not valid. Use the link from a recent email, or change your preferences "
          "after signing in."};
}

std::string htmlPage(const std::string& channel, const std::string& category) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unsubscribed</title></head><body>"
         "<p>You will no longer receive " +
         category + " notifications by " + channel +
         ".</p><p>You can turn them on again in your notification preferences.</p></body></html>";
}

}  // namespace

Routes::Routes(Database& store, Announcements& announcements, const UnsubscribeTokens& tokens, RateLimiter& rateLimiter,
               const Clock& clock, RouteSettings settings)
    : store_(store),
      announcements_(announcements),
      tokens_(tokens),
      rateLimiter_(rateLimiter),
      clock_(clock),
      settings_(settings) {}

void Routes::registerAll(Router& router) {
  namespace api = openapi;
  api_schemas::defineSchemas(router.schemas());
  const std::string m(kModule);
  auto ifMatch = api::ifMatchHeader(true);
  router
      .add(Method::Get, "/api/v1/notifications/preferences", m, Access::authenticated(),
           bindRoute(this, &Routes::getPreferences))
      .describe({.summary = "Your notification preferences",
                 .description = "The caller's own preferences, the defaults until first saved. The ETag is their "
                                "version (\"0\" for the defaults); send it as If-Match to change them.",
                 .responses = {{200, "The preferences, with their ETag", api::ref("NotificationPreferences")}}});
  router
      .add(Method::Put, "/api/v1/notifications/preferences", m, Access::authenticated(),
           bindRoute(this, &Routes::putPreferences))
      .describe({.summary = "Change your notification preferences",
                 .description = "Replaces the caller's preferences (the shape GET answers; other members are "
                                "ignored). Every violated rule is named in `errors`.",
                 .headers = {ifMatch},
                 .body = api_schemas::preferencesBody(),
                 .responses = {{200, "Saved, with the new ETag", api::ref("NotificationPreferences")}},
                 .problems = {"validation", "bad-request", "unsupported-media-type", "precondition-required",
                              "precondition-failed"}});
  // The token is the credential: mail clients follow the link (or POST, RFC 8058) without a login.
  auto token = api::Parameter{"token", api::string(), "The signed token of the unsubscribe link.", true};
  auto unsubscribed =
      api::object({{"channel", api_schemas::channel()},
                   {"category", api::enumeration({"marketing", "reminders"})},
                   {"subscribed", api::Schema{{"type", "boolean"}, {"enum", boost::json::array{false}}}}});
  router
      .add(Method::Get, "/api/v1/notifications/unsubscribe", m, Access::anyone(), bindRoute(this, &Routes::unsubscribe))
      .describe({.summary = "Unsubscribe with the link from a notification",
                 .description = "No login: the signed token names the user, channel and category it turns off. "
                                "Using a link again changes nothing. Answers a short HTML page, or JSON with "
                                "Accept: application/json.",
                 .query = {token},
                 .responses = {{200, "Turned off", unsubscribed, {"text/html"}}},
                 .problems = {"invalid-unsubscribe-token"}});
  router
      .add(Method::Post, "/api/v1/notifications/unsubscribe", m, Access::anyone(),
           bindRoute(this, &Routes::unsubscribe))
      .describe({.summary = "One-click unsubscribe (RFC 8058)",
                 .description = "What a mail client sends for List-Unsubscribe-Post: the body "
                                "List-Unsubscribe=One-Click (form-encoded), the token in the query. No login.",
                 .query = {token},
                 .responses = {{200, "Turned off", unsubscribed}},
                 .problems = {"bad-request", "invalid-unsubscribe-token"}});
  router
      .add(Method::Post, "/api/v1/events/{id}/announcements", m, Access::authenticated(),
           bindRoute(this, &Routes::announce))
      .describe({.summary = "Send an announcement to the event's buyers",
                 .description = "An Admin (notifications:send), or the event's organizer (notifications:send-own); "
                                "anyone else 403, another organizer's event 404. Answers at once; the buyers are "
                                "written to in the background, on the channels where marketing is on. Limited per "
                                "sender per hour (429).",
                 .path = {{"id", api::uuid(), "The event."}},
                 .body = api::object({{"subject", api::string(1, 200)}, {"body", api::string(1, 5000)}}),
                 .responses = {{202, "Stored; it goes out in the background",
                                api::object({{"announcementId", api::uuid()},
                                             {"recipients", api::described(api::integer(0, INT64_MAX),
                                                                           "The event's buyers at this moment.")}})}},
                 .problems = {"forbidden", "not-found", "validation", "bad-request", "unsupported-media-type",
                              "too-many-recipients", "rate-limited"}});
}

Response Routes::getPreferences(const Request& /*request*/, RequestContext& ctx) {
  const auto userId = ctx.caller().userId;
  return store_.read(
      [&](soci::session& sql) { return preferencesResponse(loadPreferences(sql, userId), addressOf(sql, userId)); });
}

Response Routes::putPreferences(const Request& request, RequestContext& ctx) {
  auto ifMatch = IfMatch::required(request, "Send If-Match with the preferences' ETag (from GET).");
  auto body = json::parseObjectBody(request);
  const auto userId = ctx.caller().userId;
  const auto now = formatRfc3339(clock_.now());
  return store_.write([&](Tx& tx) {
    auto current = loadPreferences(tx.sql(), userId);
    if (!ifMatch.matches(current.version)) throw Problem::preconditionFailed();
    auto address = addressOf(tx.sql(), userId);
    auto wanted = parsePreferences(body, address);
    wanted.version = current.version;
    return preferencesResponse(savePreferences(tx, userId, std::move(wanted), now), address);
  });
}

Response Routes::unsubscribe(const Request& request, RequestContext& /*ctx*/) {
  if (request.method == Method::Post && request.body.find("List-Unsubscribe=One-Click") == std::string::npos)
    throw Problem::badRequest("The body must be List-Unsubscribe=One-Click (RFC 8058).");
  auto token = request.queryParam("token");
  if (!token) throw invalidToken();
  auto claim = tokens_.verify(*token);
  if (!claim || claim->category == Category::Transactional) throw invalidToken();
  const auto now = formatRfc3339(clock_.now());
  store_.write([&](Tx& tx) { turnOff(tx, claim->userId, claim->channel, claim->category, now); });
  const std::string channel(toString(claim->channel));
  const std::string category(toString(claim->category));
  auto accept = request.header("Accept");
  if (request.method == Method::Post || (accept && accept->find("application/json") != std::string::npos)) {
    return Response::json(200, boost::json::serialize(boost::json::object{
                                   {"channel", channel}, {"category", category}, {"subscribed", false}}));
  }
  Response response;
  response.status = 200;
  response.body = htmlPage(channel, category);
  return response.with("Content-Type", "text/html; charset=utf-8");
}

Response Routes::announce(const Request& request, RequestContext& ctx) {
  const auto& caller = ctx.caller();
  const bool admin = caller.can(auth::Permission::NotificationsSend);
  if (!admin && !caller.can(auth::Permission::NotificationsSendOwn)) throw Problem::forbidden();
  const auto eventId = request.param("id");
  auto event = store_.read([&](soci::session& sql) { return read_model::findEvent(sql, eventId); });
  if (!event || (!admin && event->organizerId != caller.userId)) throw Problem::notFound("The event does not exist.");

  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto subject = in.requiredString("subject", 1, 200);
  auto text = in.requiredString("body", 1, 5000);
  in.rejectUnknown();
  validation.throwIfAny();

  // Stored here, written to the buyers by the announcements worker (announcements.hpp): the
  // request answers at once however many buyers the event has.
  const auto announcementId = newUuid();
  const auto recipients = store_.read([&](soci::session& sql) { return read_model::countBuyers(sql, eventId); });
  if (recipients > settings_.announcementMaxRecipients) {
    throw Problem::conflict("too-many-recipients", "Too many recipients.",
                            "This event has more buyers than notifications.announcementMaxRecipients allows.");
  }
  // Counted only for an announcement that would be sent (a refused one spends nothing).
  auto decision = rateLimiter_.consume(std::string(kAnnouncementPolicy), caller.userId);
  if (!decision.allowed) {
    throw Problem::rateLimited("Too many announcements from you; try again in " +
                                   std::to_string(std::max<long long>(1, decision.retryAfter.count())) + " seconds.",
                               decision.retryAfter);
  }
  store_.write([&](Tx& tx) {
    announcements_.add(tx, NewAnnouncement{announcementId, eventId, event->name, caller.userId, subject, text,
                                           ctx.correlationId, formatRfc3339(clock_.now())});
  });
  return Response::json(
      202, boost::json::serialize(boost::json::object{{"announcementId", announcementId}, {"recipients", recipients}}));
}

}  // namespace boxoffice::notifications
