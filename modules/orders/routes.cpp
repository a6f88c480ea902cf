#include "routes.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "boxoffice/kernel/idempotency.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/preconditions.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"

namespace boxoffice::orders {

namespace {

using http::Method;
using http::Request;
using http::Response;

constexpr const char* kModule = "orders";
constexpr std::size_t kMaxUserAgent = 256;

const std::set<std::string_view, std::less<>> kStatuses{status::pending,   status::reserved,         status::paid,
                                                        status::completed, status::cancelled,        status::failed,
                                                        status::refunded,  status::partiallyRefunded};
const std::set<std::string_view, std::less<>> kSagaStates{
    saga_state::started, saga_state::inProgress, saga_state::completed, saga_state::failed, saga_state::compensating};

std::string orderLocation(const std::string& id) { return "/api/v1/orders/" + id; }

Response answerResponse(const Answer& answer) {
  auto response = Response::json(answer.status, answer.body).with("Location", orderLocation(answer.orderId));
  if (answer.replayed) idempotency::markReplayed(response);
  return response;
}

Response orderResponse(int status, const OrderView& view) {
  return Response::json(status, json::serialize(orderJson(view))).with("ETag", etagOf(view.checkout.order.version));
}

// `card: {number, expMonth, expYear, cvc, holderName}`: only its shape here; PaymentMethods::prepare
// judges the values (Luhn, expiry, ...).
payments::CardInput cardFrom(const boost::json::object& card, json::Validation& validation, std::string path) {
  json::ObjectReader c(card, validation, std::move(path));
  payments::CardInput input;
  input.number = c.requiredString("number", 1, 64);
  input.expMonth = static_cast<int>(c.requiredInt("expMonth", 1, 12));
  input.expYear = static_cast<int>(c.requiredInt("expYear", 1900, 9999));
  input.cvc = c.requiredString("cvc", 1, 8);
  input.holderName = c.requiredString("holderName", 1, 200);
  c.rejectUnknown();
  return input;
}

// `{method, card?}` read from `in` (the payment object, or seed 003's flat payments body).
payments::PaymentInput paymentFrom(json::ObjectReader& in) {
  payments::PaymentInput input;
  input.method = in.requiredString("method", 1, 32);
  if (const auto* card = in.optionalObject("card")) input.card = cardFrom(*card, in.validation(), in.field("card"));
  return input;
}

// What tells two payments apart for the Idempotency-Key: the method and, for a card, its last four
// digits, expiry and holder name. Never the number: the request's fingerprint is computed before
// the card is prepared (a replay must not put the card in the vault again), so the keyed card
// fingerprint is not known yet.
std::string methodFingerprint(const std::optional<payments::PaymentInput>& p) {
  if (!p) return "-";
  std::string out = p->method;
  if (p->card) {
    std::string digits;
    for (char ch : p->card->number) {
      if (ch >= '0' && ch <= '9') digits += ch;
    }
    out += "|" + (digits.size() >= 4 ? digits.substr(digits.size() - 4) : std::string()) + "|" +
           std::to_string(p->card->expMonth) + "|" + std::to_string(p->card->expYear) + "|" + p->card->holderName;
  }
  return out;
}

std::string requireKey(const Request& request, json::Validation& validation) {
  auto key = idempotency::keyFrom(request, validation);
  if (!key) validation.add("Idempotency-Key", "is required: send a unique key per order (a UUID)");
  return key.value_or("");
}

std::string userAgentOf(const Request& request) {
  auto agent = request.header("User-Agent").value_or("");
  if (agent.size() > kMaxUserAgent) agent.resize(kMaxUserAgent);
  return agent;
}

}  // namespace

Routes::Routes(OrdersService& service, const payments::PaymentMethods* paymentMethods, RateLimiter& rateLimiter,
               RouteSettings settings)
    : service_(service), paymentMethods_(paymentMethods), rateLimiter_(rateLimiter), settings_(settings) {}

namespace {

namespace api = openapi;

api::Schema cardSchema() {
  return api::described(api::object({{"number", api::string(1, 64)},
                                     {"expMonth", api::integer(1, 12)},
                                     {"expYear", api::integer(1900, 9999)},
                                     {"cvc", api::string(1, 8)},
                                     {"holderName", api::string(1, 200)}}),
                        "Test cards of the simulated gateways: docs/api/payments.md.");
}

api::Schema methodSchema() { return api::enumeration({"CreditCard", "PayPal", "BankTransfer"}); }

}  // namespace

void Routes::registerAll(Router& router) {
  using auth::Permission;
  defineApiSchemas(router.schemas());
  router
      .add(Method::Post, "/api/v1/orders", kModule, Access::require(Permission::TicketsPurchase),
           bindRoute(this, &Routes::placeOrder))
      .describe({.summary = "Place an order: hold seats, take payment, issue tickets",
                 .description = "Either items (seats to hold now) or a reservationId you already hold; with payment "
                                "the checkout runs to Completed or Failed by itself, without it the order waits "
                                "Reserved for POST /api/v1/payments. Follow it at the Location.",
                 .headers = {api::idempotencyKeyHeader(true)},
                 .body = api::object(
                     {{"eventId", api::uuid()},
                      api::optional("items",
                                    [this] {
                                      auto items = api::arrayOf(
                                          api::object({{"categoryId", api::string(1, 64)},
                                                       {"ticketCount", api::integer(1, settings_.maxTicketsPerItem)}}));
                                      items["minItems"] = 1;
                                      items["maxItems"] = settings_.maxItemsPerOrder;
                                      return items;
                                    }()),
                      api::optional("reservationId", api::uuid()),
                      api::optional("payment",
                                    api::object({{"method", methodSchema()}, api::optional("card", cardSchema())}))}),
                 .responses = {{202, "Accepted; the checkout runs (Location: the order)", api::ref("Order")}},
                 .problems = {"validation", "idempotency-key-reused", "rate-limited", "mixed-currencies",
                              "holds-do-not-match", "unavailable"}});
  router.add(Method::Get, "/api/v1/orders", kModule, Access::authenticated(), bindRoute(this, &Routes::listOrders))
      .describe(
          {.summary = "Your orders (all orders for an Admin), newest first",
           .description = "An Admin sees every order and the Organizer of eventId every order of that event, "
                          "unless mine=true: then, as for anyone else, only the caller's own orders.",
           .query = api::pageParameters({{"status",
                                          api::enumeration({"Pending", "Reserved", "Paid", "Completed", "Cancelled",
                                                            "Failed", "Refunded", "PartiallyRefunded"}),
                                          "Only orders in this status."},
                                         {"eventId", api::uuid(), "Only orders for this event."},
                                         {"mine", api::enumeration({"true", "false"}),
                                          "true: only the caller's own orders, for an Admin or Organizer too."}}),
           .responses = {{200, "One page of orders", api::pageOf(api::ref("OrderSummary"))}}});
  router.add(Method::Get, "/api/v1/orders/{id}", kModule, Access::authenticated(), bindRoute(this, &Routes::getOrder))
      .describe({.summary = "One order with its history, refunds and returns",
                 .description = "The buyer, the event's organizer or an Admin; anyone else gets 404. 304 to a "
                                "matching If-None-Match.",
                 .path = {{"id", api::uuid(), "The order's id."}},
                 .responses = {{200, "The order (ETag: its version)", api::ref("Order")}},
                 .problems = {"not-found"}});
  router
      .add(Method::Post, "/api/v1/orders/{id}/cancel", kModule, Access::authenticated(),
           bindRoute(this, &Routes::cancelOrder))
      .describe(
          {.summary = "Cancel an order",
           .description = "Before payment the holds are released at once (200); a paid order is refunded "
                          "first (202 while the refund runs).",
           .path = {{"id", api::uuid(), "The order's id."}},
           .responses = {{200, "Cancelled", api::ref("Order")}, {202, "The refund is under way", api::ref("Order")}},
           .problems = {"not-found", "order-not-cancellable", "payment-under-way"}});
  // Seed 003's Payment service: paying a Reserved order placed without payment details.
  router
      .add(Method::Post, "/api/v1/payments", kModule, Access::require(Permission::TicketsPurchase),
           bindRoute(this, &Routes::payOrder))
      .describe({.summary = "Pay a Reserved order (seed 003's payment service)",
                 .headers = {api::idempotencyKeyHeader(true)},
                 .body = api::object(
                     {{"orderId", api::uuid()}, {"method", methodSchema()}, api::optional("card", cardSchema())}),
                 .responses = {{202, "Accepted; the charge runs", api::ref("Order")}},
                 .problems = {"validation", "not-found", "idempotency-key-reused", "rate-limited", "order-not-payable",
                              "payment-already-provided", "late-sale", "unavailable"}});
  // Operations: Admin only (system:manage).
  router
      .add(Method::Get, "/api/v1/admin/sagas", kModule, Access::require(Permission::SystemManage),
           bindRoute(this, &Routes::listSagas))
      .describe({.summary = "Checkout sagas (Admin)",
                 .query = api::pageParameters(
                     {{"state", api::enumeration({"Started", "InProgress", "Completed", "Failed", "Compensating"}),
                       "Only sagas in this state."}}),
                 .responses = {{200, "One page of sagas", api::pageOf(api::ref("SagaSummary"))}}});
  router
      .add(Method::Get, "/api/v1/admin/sagas/{orderId}", kModule, Access::require(Permission::SystemManage),
           bindRoute(this, &Routes::getSaga))
      .describe({.summary = "One order's checkout saga, step by step (Admin)",
                 .path = {{"orderId", api::uuid(), "The order's id."}},
                 .responses = {{200, "The saga", api::ref("Saga")}},
                 .problems = {"not-found"}});
}

void Routes::checkRate(const RequestContext& ctx) {
  auto decision = rateLimiter_.consume(kPlacePolicy, ctx.caller().userId);
  if (decision.allowed) return;
  auto retryAfter = std::max<long long>(1, decision.retryAfter.count());
  throw Problem::rateLimited(
      "Too many orders and payments from you in a short time; try again in " + std::to_string(retryAfter) + " seconds.",
      decision.retryAfter);
}

payments::messages::PaymentMethod Routes::prepare(const payments::PaymentInput& input,
                                                  const std::string& fieldPrefix) const {
  if (!paymentMethods_) throw Problem::unavailable("Payments are not available.");
  return paymentMethods_->prepare(input, fieldPrefix);
}

// A request already refused for its other fields names the payment's bad fields in the same 400:
// the payment is checked now (a card that passes is never used: its vault entry expires unused).
void Routes::checkPaymentToo(const payments::PaymentInput& input, const std::string& fieldPrefix,
                             json::Validation& validation) const {
  if (validation.ok() || !paymentMethods_) return;
  try {
    paymentMethods_->prepare(input, fieldPrefix);
  } catch (const Problem& problem) {
    if (problem.status() != 400) throw;
    for (const auto& error : problem.errors()) {
      // A field the shape check named already keeps its first message.
      auto named = [&](const FieldError& e) { return e.field == error.field; };
      if (std::ranges::none_of(validation.errors(), named)) validation.add(error.field, error.message);
    }
  }
}

Response Routes::placeOrder(const Request& request, RequestContext& ctx) {
  checkRate(ctx);
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  PlaceInput input;
  if (in.has("reservationId")) {
    input.reservationId = in.requiredString("reservationId", 36, 36);
    if (validation.ok() && !isUuid(*input.reservationId)) validation.add("reservationId", "must be a UUID");
    // Inventory adopts a hold of the buyer on a named event.
    input.eventId = in.requiredString("eventId", 36, 36);
    if (in.has("items")) validation.add("items", "must be left out when buying a reservation");
  } else {
    input.eventId = in.requiredString("eventId", 36, 36);
    const auto max = static_cast<std::size_t>(settings_.maxItemsPerOrder);
    if (const auto* items = in.requiredArray("items", max)) {
      if (items->empty()) validation.add("items", "must name at least one price category");
      std::set<std::string> seen;
      for (std::size_t i = 0; i < items->size(); ++i) {
        std::string path = "items[" + std::to_string(i) + "]";
        if (!(*items)[i].is_object()) {
          validation.add(path, "must be an object");
          continue;
        }
        json::ObjectReader item((*items)[i].as_object(), validation, path);
        Item parsed;
        parsed.categoryId = item.requiredString("categoryId", 1, 64);
        parsed.ticketCount = static_cast<int>(item.requiredInt("ticketCount", 1, settings_.maxTicketsPerItem));
        item.rejectUnknown();
        if (!parsed.categoryId.empty() && !seen.insert(parsed.categoryId).second) {
          validation.add(path + ".categoryId", "appears twice: give each category once with its ticketCount");
        }
        input.items.push_back(std::move(parsed));
      }
    }
  }
  if (!input.eventId.empty() && !isUuid(input.eventId)) validation.add("eventId", "must be a UUID");
  std::optional<payments::PaymentInput> paymentInput;
  if (const auto* payment = in.optionalObject("payment")) {
    json::ObjectReader p(*payment, validation, "payment");
    paymentInput = paymentFrom(p);
    p.rejectUnknown();
  }
  in.rejectUnknown();
  auto key = requireKey(request, validation);
  if (paymentInput) checkPaymentToo(*paymentInput, "payment", validation);
  validation.throwIfAny();
  // The card becomes a vault token once the service knows the request is not a replay, before
  // anything is stored (a 400 naming payment.* otherwise).
  if (paymentInput) input.preparePayment = [this, p = *paymentInput] { return prepare(p, "payment"); };
  input.ipAddress = request.remoteAddress;
  input.userAgent = userAgentOf(request);

  std::string items;
  for (const auto& item : input.items) items += item.categoryId + ":" + std::to_string(item.ticketCount) + ",";
  auto fingerprint = idempotency::fingerprint(
      {"POST /api/v1/orders", input.eventId, input.reservationId.value_or(""), items, methodFingerprint(paymentInput)});
  return answerResponse(service_.place(ctx.actor(), std::move(input), {key, fingerprint}));
}

Response Routes::payOrder(const Request& request, RequestContext& ctx) {
  checkRate(ctx);
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto orderId = in.requiredString("orderId", 1, 64);
  if (validation.ok() && !isUuid(orderId)) validation.add("orderId", "must be a UUID");
  // Seed 003's flat body: {orderId, method, card?}.
  auto input = paymentFrom(in);
  in.rejectUnknown();
  auto key = requireKey(request, validation);
  checkPaymentToo(input, "", validation);
  validation.throwIfAny();
  payments::messages::PaymentMethod method;
  method.method = input.method;
  PaymentGiven payment{method, request.remoteAddress, userAgentOf(request)};
  auto fingerprint = idempotency::fingerprint({"POST /api/v1/payments", orderId, methodFingerprint(input)});
  // Prepared only after the idempotency lookup and the order's checks (PaymentGiven's method is
  // replaced by what prepare returns).
  auto preparePayment = [this, input] { return prepare(input, ""); };
  return answerResponse(service_.pay(ctx.actor(), orderId, std::move(payment), {key, fingerprint}, preparePayment));
}

Response Routes::getOrder(const Request& request, RequestContext& ctx) {
  auto view = service_.get(ctx.actor(), request.param("id"));
  if (auto etag = etagOf(view.checkout.order.version); notModified(request, etag)) return notModifiedResponse(etag);
  return orderResponse(200, view);
}

Response Routes::listOrders(const Request& request, RequestContext& ctx) {
  json::Validation validation;
  ListQuery query;
  if (auto status = request.queryParam("status")) {
    if (kStatuses.contains(*status)) {
      query.status = *status;
    } else {
      validation.add("status",
                     "must be one of Pending, Reserved, Paid, Completed, Cancelled, Failed, Refunded, "
                     "PartiallyRefunded");
    }
  }
  if (auto eventId = request.queryParam("eventId")) {
    if (isUuid(*eventId)) {
      query.eventId = *eventId;
    } else {
      validation.add("eventId", "must be a UUID");
    }
  }
  if (auto mine = request.queryParam("mine")) {
    if (*mine == "true") {
      query.mine = true;
    } else if (*mine != "false") {
      validation.add("mine", "must be true or false");
    }
  }
  validation.throwIfAny();
  auto page = parsePageRequest(request);
  auto found = service_.list(ctx.actor(), query, page);
  boost::json::array items;
  for (const auto& c : found.items) items.push_back(orderSummaryJson(c));
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, found.totalItems)));
}

Response Routes::cancelOrder(const Request& request, RequestContext& ctx) {
  bool pending = false;
  auto view = service_.cancel(ctx.actor(), request.param("id"), pending);
  // 202 while the cancellation's refund runs; 200 once the order is Cancelled.
  return orderResponse(pending ? 202 : 200, view);
}

Response Routes::listSagas(const Request& request, RequestContext& /*ctx*/) {
  std::optional<std::string> state;
  if (auto s = request.queryParam("state")) {
    if (!kSagaStates.contains(*s)) {
      throw Problem::validation({{"state", "must be one of Started, InProgress, Completed, Failed, Compensating"}});
    }
    state = *s;
  }
  auto page = parsePageRequest(request);
  auto found = service_.sagas(state, page);
  boost::json::array items;
  for (const auto& c : found.items) items.push_back(sagaSummaryJson(c));
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, found.totalItems)));
}

Response Routes::getSaga(const Request& request, RequestContext& /*ctx*/) {
  return Response::json(200, json::serialize(sagaJson(service_.saga(request.param("orderId")))));
}

}  // namespace boxoffice::orders
