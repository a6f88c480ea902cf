#include "routes.hpp"

#include <boost/json.hpp>

#include "boxoffice/events/api.hpp"
#include "boxoffice/kernel/idempotency.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/openapi_describe.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "boxoffice/kernel/time.hpp"
#include "problems.hpp"
#include "store.hpp"
#include "webhook.hpp"

namespace boxoffice::payments {

namespace {

using http::Method;
using http::Request;
using http::Response;

boost::json::object refundJson(const Refund& r) {
  boost::json::object out{{"refundId", r.refundId},
                          {"paymentId", r.paymentId},
                          {"amount", toJsonValue(r.amount)},
                          {"seats", toJsonValue(r.seats)},
                          {"reason", r.reason},
                          {"status", r.status},
                          {"createdAt", formatUnixMillis(r.createdAt)}};
  if (r.completedAt) out["completedAt"] = formatUnixMillis(*r.completedAt);
  if (!r.failureReason.empty()) out["failureReason"] = r.failureReason;
  return out;
}

boost::json::object paymentJson(const Payment& p, const std::vector<Refund>& refunds) {
  boost::json::object out{{"paymentId", p.paymentId},
                          {"orderId", p.orderId},
                          {"userId", p.userId},
                          {"eventId", p.eventId},
                          {"reservationIds", toJsonValue(p.reservationIds)},
                          {"items", toJsonValue(p.items)},
                          {"amount", toJsonValue(p.amount)},
                          {"status", p.status},
                          {"paymentMethodType", p.method},
                          {"gateway", p.gateway},
                          {"fraudScore", p.fraudScore},
                          {"ipAddress", p.ipAddress},
                          {"userAgent", p.userAgent},
                          {"createdAt", formatUnixMillis(p.createdAt)},
                          {"updatedAt", formatUnixMillis(p.updatedAt)}};
  if (!p.gatewayTransactionId.empty()) out["gatewayTransactionId"] = p.gatewayTransactionId;
  if (!p.failureReason.empty()) out["failureReason"] = p.failureReason;
  if (!p.failureDetail.empty()) out["failureDetail"] = p.failureDetail;
  if (p.processedAt) out["processedAt"] = formatUnixMillis(*p.processedAt);
  if (!p.cardLast4.empty()) {
    boost::json::object card{{"brand", p.cardBrand}, {"last4", p.cardLast4}, {"fingerprint", p.cardFingerprint}};
    if (p.cardExpMonth) card["expMonth"] = *p.cardExpMonth;
    if (p.cardExpYear) card["expYear"] = *p.cardExpYear;
    out["card"] = std::move(card);
  }
  std::int64_t refunded = 0;
  boost::json::array list;
  for (const auto& r : refunds) {
    if (r.status == "Completed") refunded += r.amount.amount;
    list.push_back(refundJson(r));
  }
  out["refundedAmount"] = toJsonValue(Money{refunded, p.amount.currency});
  if (p.chargedBackAt) {
    out["chargedBackAmount"] = toJsonValue(Money{p.chargedBackAmount, p.amount.currency});
    out["chargedBackAt"] = formatUnixMillis(*p.chargedBackAt);
  }
  out["refunds"] = std::move(list);
  return out;
}

std::optional<std::string> uuidParam(const Request& request, const std::string& name, json::Validation& validation) {
  auto value = request.queryParam(name);
  if (!value) return std::nullopt;
  if (!isUuid(*value)) validation.add(name, "must be a UUID");
  return value;
}

}  // namespace

Routes::Routes(Database& store, PaymentProcessor& processor, const events::EventQueries* events,
               std::map<std::string, SecretString> webhookSecrets, RateLimiter& rateLimiter, const Clock& clock)
    : store_(store),
      processor_(processor),
      events_(events),
      webhookSecrets_(std::move(webhookSecrets)),
      rateLimiter_(rateLimiter),
      clock_(clock) {}

namespace {

namespace api = openapi;

// The shapes of refundJson and paymentJson above; keep them in step (the integration tests
// check every answer against them).
void defineApiSchemas(api::Components& components) {
  components.define("Refund",
                    api::object({{"refundId", api::uuid()},
                                 {"paymentId", api::uuid()},
                                 {"amount", api::schemaOf<Money>()},
                                 {"seats", api::arrayOf(api::schemaOf<messages::ReturnedSeats>())},
                                 {"reason", api::string()},
                                 {"status", api::enumeration({refund_status::kPending, refund_status::kCompleted,
                                                              refund_status::kFailed, refund_status::kCancelled})},
                                 {"createdAt", api::dateTime()},
                                 api::optional("completedAt", api::dateTime()),
                                 api::optional("failureReason", api::string())}));
  components.define(
      "Payment",
      api::object({{"paymentId", api::uuid()},
                   {"orderId", api::described(api::string(), "The order's id (a UUID for orders of this API).")},
                   {"userId", api::uuid()},
                   {"eventId", api::uuid()},
                   {"reservationIds", api::arrayOf(api::uuid())},
                   {"items", api::arrayOf(api::schemaOf<messages::PaidItem>())},
                   {"amount", api::schemaOf<Money>()},
                   {"status", api::string()},
                   {"paymentMethodType", api::enumeration({"CreditCard", "PayPal", "BankTransfer"})},
                   {"gateway", api::string()},
                   {"fraudScore", api::integer(0, 100)},
                   {"ipAddress", api::string()},
                   {"userAgent", api::string()},
                   {"createdAt", api::dateTime()},
                   {"updatedAt", api::dateTime()},
                   api::optional("gatewayTransactionId", api::string()),
                   api::optional("failureReason", api::string()),
                   api::optional("failureDetail", api::string()),
                   api::optional("processedAt", api::dateTime()),
                   api::optional("card", api::object({{"brand", api::string()},
                                                      {"last4", api::string(4, 4)},
                                                      {"fingerprint", api::string()},
                                                      api::optional("expMonth", api::integer(1, 12)),
                                                      api::optional("expYear", api::integer())})),
                   {"refundedAmount", api::schemaOf<Money>()},
                   api::optional("chargedBackAmount", api::schemaOf<Money>()),
                   api::optional("chargedBackAt", api::dateTime()),
                   {"refunds", api::arrayOf(api::ref("Refund"))}}));
}

api::Parameter paymentId() { return {"id", api::uuid(), "The payment's id."}; }

}  // namespace

void Routes::registerAll(Router& router) {
  using auth::Permission;
  const std::string m = "payments";
  defineApiSchemas(router.schemas());
  router.add(Method::Get, "/api/v1/payments", m, Access::authenticated(), bindRoute(this, &Routes::listPayments))
      .describe({.summary = "Payments: your own, all of your event's (Organizer with eventId), or all (Admin)",
                 .query = api::pageParameters({{"orderId", api::uuid(), "Only the payments of this order."},
                                               {"eventId", api::uuid(), "Only the payments for this event."}}),
                 .responses = {{200, "One page of payments", api::pageOf(api::ref("Payment"))}}});
  router.add(Method::Get, "/api/v1/payments/report", m, Access::authenticated(), bindRoute(this, &Routes::report))
      .describe({.summary = "Money per event and currency: gross, refunded, charged back, net",
                 .description = "An Organizer for one of their events (eventId required); an Admin for any or all.",
                 .query = {{"eventId", api::uuid(), "The event (required unless Admin)."},
                           {"from", api::string(), "From this date (2027-05-20) or RFC 3339 time."},
                           {"to", api::string(), "Until this date or time."}},
                 .responses = {{200, "The report",
                                api::object({{"items", api::arrayOf(api::object({{"eventId", api::uuid()},
                                                                                 {"currency", api::string(3, 3)},
                                                                                 {"gross", api::integer()},
                                                                                 {"refunded", api::integer()},
                                                                                 {"chargedBack", api::integer()},
                                                                                 {"net", api::integer()}}))},
                                             api::optional("from", api::dateTime()),
                                             api::optional("to", api::dateTime())})}},
                 .problems = {"validation", "forbidden", "not-found"}});
  router.add(Method::Get, "/api/v1/payments/{id}", m, Access::authenticated(), bindRoute(this, &Routes::getPayment))
      .describe({.summary = "One payment with its refunds",
                 .description = "The payer, the event's organizer or an Admin; anyone else gets 404.",
                 .path = {paymentId()},
                 .responses = {{200, "The payment", api::ref("Payment")}},
                 .problems = {"not-found"}});
  router
      .add(Method::Post, "/api/v1/payments/{id}/refunds", m, Access::require(Permission::PaymentsRefund),
           bindRoute(this, &Routes::refund))
      .describe(
          {.summary = "Refund a payment, in full or in part (Admin)",
           .description = "Without amount the rest of the payment is refunded; seats names what goes back on "
                          "sale. The gateway answers later: the refund starts Pending.",
           .path = {paymentId()},
           .headers = {api::idempotencyKeyHeader(true)},
           .body = api::object(
               {api::optional("amount", api::described(api::integer(1, 1'000'000'000'000), "Minor units.")),
                {"reason", api::string(1, 500)},
                api::optional("seats", api::arrayOf(api::object({{"categoryId", api::string(1, 100)},
                                                                 {"ticketCount", api::integer(1, 10'000)}})))}),
           .responses = {{202, "The refund, Pending", api::ref("Refund")}},
           .problems = {"validation", "not-found", "idempotency-key-reused", "payment-not-refundable",
                        "nothing-to-refund", "refund-exceeds-captured", "refund-exceeds-seats", "invalid-amount"}});
  // Gateways sign instead of sending a token.
  router
      .add(Method::Post, "/api/v1/payments/webhooks/{gateway}", m, Access::anyone(), bindRoute(this, &Routes::webhook))
      .describe({.summary = "A gateway reports a chargeback (signed with X-Boxoffice-Signature)",
                 .description = "Each webhook event id is handled once; a repeat is acknowledged as duplicate.",
                 .path = {{"gateway", api::enumeration({"stripe", "paypal", "bank"}), "The gateway."}},
                 .headers = {{"X-Boxoffice-Signature", api::string(),
                              "sha256=<hex HMAC-SHA256 of the body under the gateway's webhook secret>", true}},
                 .body = api::object({{"id", api::string(1, 200)},
                                      {"type", api::string(1, 100)},
                                      api::optional("paymentId", api::string(1, 100)),
                                      api::optional("gatewayTransactionId", api::string(1, 200)),
                                      api::optional("reason", api::string(1, 500)),
                                      api::optional("amount", api::integer(0, 1'000'000'000'000)),
                                      api::optional("created", api::string(1, 100))}),
                 .responses = {{200, "Received",
                                api::object({{"received", api::boolean()},
                                             {"result", api::enumeration({"duplicate", "ignored", "charged-back"})}})}},
                 .problems = {"validation", "not-found", "invalid-webhook-signature", "rate-limited"}});
}

bool Routes::organizes(const auth::Principal& caller, const std::string& eventId) const {
  if (!events_ || !caller.hasRole(auth::Role::Organizer)) return false;
  auto event = events_->findEvent(eventId);
  return event && event->organizerId == caller.userId;
}

bool Routes::mayView(const auth::Principal& caller, const Payment& payment) const {
  return caller.isAdmin() || payment.userId == caller.userId || organizes(caller, payment.eventId);
}

Response Routes::getPayment(const Request& request, RequestContext& ctx) {
  const auto& id = request.param("id");
  const auto& caller = ctx.caller();
  auto [payment, refunds] = store_.read([&](soci::session& sql) {
    auto p = isUuid(id) ? store::findPayment(sql, id) : std::nullopt;
    return std::pair(p, p ? store::refundsOf(sql, p->paymentId) : std::vector<Refund>{});
  });
  // Another user's payment is not there for them (404, never 403: its existence is private).
  if (!payment || payment->placeholder() || !mayView(caller, *payment)) throw problems::paymentNotFound(id);
  return Response::json(200, json::serialize(paymentJson(*payment, refunds)));
}

Response Routes::listPayments(const Request& request, RequestContext& ctx) {
  const auto& caller = ctx.caller();
  json::Validation validation;
  store::ListFilter filter;
  filter.orderId = uuidParam(request, "orderId", validation);
  filter.eventId = uuidParam(request, "eventId", validation);
  auto page = parsePageRequest(request);
  validation.throwIfAny();
  // Admin sees all; an Organizer every payment of their own event; anyone else their own.
  if (!caller.isAdmin() && !(filter.eventId && organizes(caller, *filter.eventId))) filter.userId = caller.userId;
  std::int64_t total = 0;
  auto items = store_.read([&](soci::session& sql) {
    auto payments = store::listPayments(sql, filter, page, total);
    boost::json::array out;
    for (const auto& p : payments) out.push_back(paymentJson(p, store::refundsOf(sql, p.paymentId)));
    return out;
  });
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, total)));
}

Response Routes::refund(const Request& request, RequestContext& ctx) {
  const auto& id = request.param("id");
  json::Validation validation;
  auto key = idempotency::keyFrom(request, validation);
  if (!key && validation.ok()) validation.add("Idempotency-Key", "is required: a refund must not be made twice");
  validation.throwIfAny();
  auto body = json::parseObjectBody(request);
  json::ObjectReader in(body, validation);
  RefundAsk ask;
  ask.amount = in.optionalInt("amount", 1, 1'000'000'000'000);
  auto reason = in.requiredString("reason", 1, 500);
  if (const auto* seats = in.optionalArray("seats", 50)) {
    std::vector<messages::ReturnedSeats> list;
    for (std::size_t i = 0; i < seats->size(); ++i) {
      std::string path = "seats[" + std::to_string(i) + "]";
      if (!(*seats)[i].is_object()) {
        validation.add(path, "must be an object");
        continue;
      }
      json::ObjectReader seat((*seats)[i].get_object(), validation, path);
      auto categoryId = seat.requiredString("categoryId", 1, 100);
      auto count = seat.requiredInt("ticketCount", 1, 10'000);
      seat.rejectUnknown();
      list.push_back({categoryId, static_cast<int>(count)});
    }
    if (list.empty() && validation.ok()) validation.add("seats", "must name at least one category when present");
    ask.seats = std::move(list);
  }
  in.rejectUnknown();
  validation.throwIfAny();
  if (!isUuid(id)) throw problems::paymentNotFound(id);
  // What was asked, not how it was spelled: a resent body with its keys in another order or
  // other spacing is the same refund.
  std::string asked = ask.amount ? std::to_string(*ask.amount) : "all";
  for (const auto& seat : ask.seats.value_or(std::vector<messages::ReturnedSeats>{})) {
    asked += "|" + seat.categoryId + ":" + std::to_string(seat.ticketCount);
  }
  auto fingerprint = idempotency::fingerprint({id, reason, asked, ask.seats ? "seats" : "no-seats"});
  idempotency::Key scoped{ctx.caller().userId, *key};
  auto [status, text, replayed] = store_.write([&](Tx& tx) -> std::tuple<int, std::string, bool> {
    const auto now = clock_.nowMillis();
    if (auto stored = idempotency::lookup(tx, scoped, fingerprint, now)) return {stored->status, stored->body, true};
    auto payment = store::findPayment(tx.sql(), id);
    if (!payment || payment->placeholder()) throw problems::paymentNotFound(id);
    auto plan = planRefund(*payment, store::refundsOf(tx.sql(), id), ask);
    auto made = processor_.requestRefund(tx, *payment, plan, reason, ctx.caller().userId);
    auto rendered = json::serialize(refundJson(made));
    idempotency::save(tx, scoped, {fingerprint, 202, rendered, now});
    return {202, rendered, false};
  });
  auto response = Response::json(status, text);
  if (replayed) idempotency::markReplayed(response);
  return response;
}

Response Routes::webhook(const Request& request, RequestContext& ctx) {
  auto decision = rateLimiter_.consume(kWebhookPolicy, request.remoteAddress);
  if (!decision.allowed) {
    auto retryAfter = std::max<long long>(1, decision.retryAfter.count());
    throw Problem::rateLimited(
        "Too many webhook calls from your address; try again in " + std::to_string(retryAfter) + " seconds.",
        decision.retryAfter);
  }
  const auto& gateway = request.param("gateway");
  auto secret = webhookSecrets_.find(gateway);
  if (secret == webhookSecrets_.end()) throw problems::unknownGateway(gateway);
  auto signature = request.header(kSignatureHeader);
  if (!signature) throw problems::badSignature("The X-Boxoffice-Signature header is missing.");
  if (!verifyWebhookSignature(secret->second.reveal(), request.body, *signature)) {
    throw problems::badSignature("The X-Boxoffice-Signature header does not match the body.");
  }
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto eventId = in.requiredString("id", 1, 200);
  auto type = in.requiredString("type", 1, 100);
  auto paymentId = in.optionalString("paymentId", 1, 100);
  auto transactionId = in.optionalString("gatewayTransactionId", 1, 200);
  auto reason = in.optionalString("reason", 1, 500).value_or("chargeback");
  in.optionalInt("amount", 0, 1'000'000'000'000);  // informative: the whole remaining amount is taken back
  in.optionalString("created", 1, 100);
  in.rejectUnknown();
  if (type == "chargeback" && !paymentId && !transactionId)
    validation.add("paymentId", "or gatewayTransactionId is required");
  validation.throwIfAny();
  auto result = store_.write([&](Tx& tx) -> std::string {
    if (!store::recordWebhookEvent(tx, gateway, eventId, clock_.nowMillis())) {
      return "duplicate";  // a replayed webhook: acknowledged, nothing done again
    }
    if (type != "chargeback") return "ignored";
    auto payment = paymentId ? store::findPayment(tx.sql(), *paymentId)
                             : store::findByTransactionId(tx.sql(), gateway, *transactionId);
    if (!payment || !processor_.chargeBack(tx, *payment, gateway, reason, eventId, ctx.correlationId)) {
      ctx.log.warn("chargeback webhook for no charged payment of this gateway", {{"webhookEventId", eventId}});
      return "ignored";
    }
    return "charged-back";
  });
  return Response::json(200, json::serialize(boost::json::object{{"received", true}, {"result", result}}));
}

Response Routes::report(const Request& request, RequestContext& ctx) {
  const auto& caller = ctx.caller();
  json::Validation validation;
  auto eventId = uuidParam(request, "eventId", validation);
  std::int64_t from = 0;
  std::int64_t to = INT64_MAX;
  if (auto text = request.queryParam("from")) {
    if (auto t = parseDateOrDateTime(*text)) {
      from = toUnixMillis(*t);
    } else {
      validation.add("from", "must be a date (2027-05-20) or an RFC 3339 date-time, in the years 1900 to 2200");
    }
  }
  if (auto text = request.queryParam("to")) {
    if (auto t = parseDateOrDateTime(*text)) {
      to = toUnixMillis(*t);
    } else {
      validation.add("to", "must be a date (2027-05-20) or an RFC 3339 date-time, in the years 1900 to 2200");
    }
  }
  if (!caller.isAdmin() && !eventId) validation.add("eventId", "is required unless you are an Admin");
  validation.throwIfAny();
  if (!caller.isAdmin()) {
    if (!caller.hasRole(auth::Role::Organizer))
      throw Problem::forbidden("Only an event's Organizer or an Admin sees its report.");
    if (!organizes(caller, *eventId)) throw Problem::notFound("No event " + *eventId + " of yours exists.");
  }
  auto lines = store_.read([&](soci::session& sql) { return store::report(sql, eventId, from, to); });
  boost::json::array items;
  for (const auto& l : lines) {
    items.push_back({{"eventId", l.eventId},
                     {"currency", l.currency},
                     {"gross", l.gross},
                     {"refunded", l.refunded},
                     {"chargedBack", l.chargedBack},
                     {"net", l.net()}});
  }
  boost::json::object out{{"items", std::move(items)}};
  if (from > 0) out["from"] = formatUnixMillis(from);
  if (to < INT64_MAX) out["to"] = formatUnixMillis(to);
  return Response::json(200, json::serialize(out));
}

}  // namespace boxoffice::payments
