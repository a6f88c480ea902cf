#include "render.hpp"

namespace boxoffice::orders {

namespace {

boost::json::value money(std::int64_t amount, const std::optional<std::string>& currency) {
  if (!currency) return nullptr;
  return boost::json::object{{"amount", amount}, {"currency", *currency}};
}

boost::json::value optional(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return boost::json::string(*text);
}

boost::json::array seats(const std::vector<SeatLine>& lines) {
  boost::json::array out;
  for (const auto& s : lines) out.push_back({{"categoryId", s.categoryId}, {"ticketCount", s.ticketCount}});
  return out;
}

boost::json::array items(const Order& order) {
  boost::json::array out;
  for (const auto& item : order.items) {
    boost::json::object o{{"categoryId", item.categoryId}, {"ticketCount", item.ticketCount}};
    if (item.unitPrice) {
      o["unitPrice"] = money(*item.unitPrice, order.currency);
      o["amount"] = money(*item.unitPrice * item.ticketCount, order.currency);
    } else {
      o["unitPrice"] = nullptr;
      o["amount"] = nullptr;
    }
    o["returnedCount"] = item.returnRequested;
    out.push_back(std::move(o));
  }
  return out;
}

// What the buyer paid with: never the vault token, never card data.
boost::json::value paymentSummary(const Order& order) {
  if (!order.paymentMethod) return nullptr;
  const auto& m = *order.paymentMethod;
  boost::json::object o{{"method", m.method}};
  if (m.brand) o["brand"] = *m.brand;
  if (m.last4) o["last4"] = *m.last4;
  if (m.expMonth) o["expMonth"] = *m.expMonth;
  if (m.expYear) o["expYear"] = *m.expYear;
  return o;
}

boost::json::object checkoutJson(const Checkout& c) {
  const auto& s = c.saga;
  return {{"state", s.state},
          {"currentStep", s.step},
          {"awaitingPayment", s.awaitingPayment},
          {"attempts", s.attempts},
          {"stepStartedAt", formatRfc3339(s.stepStartedAt)}};
}

}  // namespace

boost::json::object orderSummaryJson(const Checkout& checkout) {
  const auto& o = checkout.order;
  boost::json::array reservationIds;
  for (const auto& h : o.holds) reservationIds.push_back(boost::json::value(h.reservationId));
  boost::json::object out{
      {"id", o.id},
      {"userId", o.userId},
      {"eventId", o.eventId},
      {"items", items(o)},
      {"total", money(o.totalAmount, o.currency)},
      {"status", o.status},
      {"reservationIds", std::move(reservationIds)},
      {"paymentId", optional(o.paymentId)},
      {"payment", paymentSummary(o)},
      {"correlationId", o.correlationId},
      {"createdAt", formatRfc3339(o.createdAt)},
      {"updatedAt", formatRfc3339(o.updatedAt)},
      {"expiresAt", o.expiresAt ? boost::json::value(formatRfc3339(*o.expiresAt)) : boost::json::value(nullptr)},
      {"failureReason", optional(o.failureReason)},
      {"failureDetail", optional(o.failureDetail)},
      {"refunded", money(o.refundedAmount, o.currency)},
      {"heldAgain", o.heldAgain},
      {"checkout", checkoutJson(checkout)},
      {"version", o.version}};
  if (o.cancelReason) {
    out["cancellation"] = {
        {"reason", *o.cancelReason}, {"pending", o.cancelPending()}, {"refundId", optional(o.cancelRefundId)}};
  } else {
    out["cancellation"] = nullptr;
  }
  return out;
}

boost::json::object orderJson(const OrderView& view) {
  auto out = orderSummaryJson(view.checkout);
  const auto& currency = view.checkout.order.currency;
  boost::json::array history;
  for (const auto& h : view.history) {
    boost::json::object entry{{"status", h.status}, {"at", formatRfc3339(h.at)}};
    if (h.reason) entry["reason"] = *h.reason;
    if (h.detail) entry["detail"] = *h.detail;
    history.push_back(std::move(entry));
  }
  out["statusHistory"] = std::move(history);
  boost::json::array refunds;
  for (const auto& r : view.refunds) {
    refunds.push_back({{"refundId", r.refundId},
                       {"amount", money(r.amount.amount, r.amount.currency.empty() ? currency : r.amount.currency)},
                       {"full", r.full},
                       {"reason", r.reason},
                       {"seats", seats(r.seats)},
                       {"at", formatRfc3339(r.at)}});
  }
  out["refunds"] = std::move(refunds);
  boost::json::array returns;
  for (const auto& r : view.returns) {
    returns.push_back({{"returnId", r.returnId},
                       {"reason", r.reason},
                       {"items", seats(r.items)},
                       {"ticketCount", r.ticketCount},
                       {"at", formatRfc3339(r.at)}});
  }
  out["returns"] = std::move(returns);
  return out;
}

boost::json::object sagaSummaryJson(const Checkout& checkout) {
  const auto& s = checkout.saga;
  return {
      {"orderId", checkout.order.id},
      {"orderStatus", checkout.order.status},
      {"state", s.state},
      {"currentStep", s.step},
      {"attempts", s.attempts},
      {"awaitingPayment", s.awaitingPayment},
      {"chargeSent", s.chargeSent},
      {"paid", s.paid},
      {"seatsSold", s.seatsSold},
      {"awaitingRelease", s.awaitRelease},
      {"awaitingVoid", s.awaitReversal},
      {"compensationAttempts", s.compensationAttempts},
      {"compensationSentAt",
       s.compensationSentAt ? boost::json::value(formatRfc3339(*s.compensationSentAt)) : boost::json::value(nullptr)},
      {"correlationId", checkout.order.correlationId},
      {"startedAt", formatRfc3339(s.startedAt)},
      {"stepStartedAt", formatRfc3339(s.stepStartedAt)},
      {"updatedAt", formatRfc3339(s.updatedAt)},
      {"completedAt", s.completedAt ? boost::json::value(formatRfc3339(*s.completedAt)) : boost::json::value(nullptr)}};
}

boost::json::object sagaJson(const SagaView& view) {
  auto out = sagaSummaryJson(view.checkout);
  boost::json::array steps;
  for (const auto& s : view.steps) {
    boost::json::object entry{
        {"step", s.step}, {"attempt", s.attempt}, {"result", s.result}, {"at", formatRfc3339(s.at)}};
    if (s.detail) entry["detail"] = *s.detail;
    steps.push_back(std::move(entry));
  }
  out["steps"] = std::move(steps);
  boost::json::array compensations;
  for (const auto& c : view.compensations) {
    compensations.push_back({{"action", c.action}, {"reason", c.reason}, {"at", formatRfc3339(c.at)}});
  }
  out["compensations"] = std::move(compensations);
  return out;
}

namespace {

namespace api = openapi;

api::Schema money() { return api::object({{"amount", api::integer()}, {"currency", api::string(3, 3)}}); }

api::Schema orderStatus() {
  return api::enumeration({status::pending, status::reserved, status::paid, status::completed, status::cancelled,
                           status::failed, status::refunded, status::partiallyRefunded});
}

api::Schema sagaState() {
  return api::enumeration({saga_state::started, saga_state::inProgress, saga_state::completed, saga_state::failed,
                           saga_state::compensating});
}

api::Schema seatLines() {
  return api::arrayOf(api::object({{"categoryId", api::string()}, {"ticketCount", api::integer()}}));
}

std::vector<api::Field> orderSummaryFields() {
  return {{"id", api::uuid()},
          {"userId", api::uuid()},
          {"eventId", api::uuid()},
          {"items", api::arrayOf(api::object({{"categoryId", api::string()},
                                              {"ticketCount", api::integer()},
                                              {"unitPrice", api::nullable(money())},
                                              {"amount", api::nullable(money())},
                                              {"returnedCount", api::integer()}}))},
          {"total", api::nullable(money())},
          {"status", orderStatus()},
          {"reservationIds", api::arrayOf(api::uuid())},
          {"paymentId", api::nullable(api::uuid())},
          {"payment", api::described(api::nullable(api::object({{"method", api::string()},
                                                                api::optional("brand", api::string()),
                                                                api::optional("last4", api::string()),
                                                                api::optional("expMonth", api::integer()),
                                                                api::optional("expYear", api::integer())})),
                                     "What the buyer paid with; never card numbers.")},
          {"correlationId", api::string()},
          {"createdAt", api::dateTime()},
          {"updatedAt", api::dateTime()},
          {"expiresAt", api::described(api::nullable(api::dateTime()), "When an unpaid order's holds run out.")},
          {"failureReason", api::nullable(api::string())},
          {"failureDetail", api::nullable(api::string())},
          {"refunded", api::nullable(money())},
          {"heldAgain", api::boolean()},
          {"checkout", api::object({{"state", sagaState()},
                                    {"currentStep", api::string()},
                                    {"awaitingPayment", api::boolean()},
                                    {"attempts", api::integer()},
                                    {"stepStartedAt", api::dateTime()}})},
          {"version", api::described(api::integer(), "Also the ETag.")},
          {"cancellation",
           api::nullable(api::object(
               {{"reason", api::string()}, {"pending", api::boolean()}, {"refundId", api::nullable(api::uuid())}}))}};
}

std::vector<api::Field> sagaSummaryFields() {
  return {{"orderId", api::uuid()},
          {"orderStatus", orderStatus()},
          {"state", sagaState()},
          {"currentStep", api::string()},
          {"attempts", api::integer()},
          {"awaitingPayment", api::boolean()},
          {"chargeSent", api::boolean()},
          {"paid", api::boolean()},
          {"seatsSold", api::boolean()},
          {"awaitingRelease", api::boolean()},
          {"awaitingVoid", api::boolean()},
          {"compensationAttempts", api::integer()},
          {"compensationSentAt", api::nullable(api::dateTime())},
          {"correlationId", api::string()},
          {"startedAt", api::dateTime()},
          {"stepStartedAt", api::dateTime()},
          {"updatedAt", api::dateTime()},
          {"completedAt", api::nullable(api::dateTime())}};
}

}  // namespace

void defineApiSchemas(api::Components& components) {
  components.define("OrderSummary", api::object(orderSummaryFields()));
  auto order = orderSummaryFields();
  order.push_back({"statusHistory", api::arrayOf(api::object({{"status", orderStatus()},
                                                              {"at", api::dateTime()},
                                                              api::optional("reason", api::string()),
                                                              api::optional("detail", api::string())}))});
  order.push_back({"refunds", api::arrayOf(api::object({{"refundId", api::uuid()},
                                                        {"amount", api::nullable(money())},
                                                        {"full", api::boolean()},
                                                        {"reason", api::string()},
                                                        {"seats", seatLines()},
                                                        {"at", api::dateTime()}}))});
  order.push_back({"returns", api::arrayOf(api::object({{"returnId", api::string()},
                                                        {"reason", api::string()},
                                                        {"items", seatLines()},
                                                        {"ticketCount", api::integer()},
                                                        {"at", api::dateTime()}}))});
  components.define("Order", api::object(std::move(order)));
  components.define("SagaSummary", api::object(sagaSummaryFields()));
  auto saga = sagaSummaryFields();
  saga.push_back({"steps", api::arrayOf(api::object({{"step", api::string()},
                                                     {"attempt", api::integer()},
                                                     {"result", api::string()},
                                                     {"at", api::dateTime()},
                                                     api::optional("detail", api::string())}))});
  saga.push_back(
      {"compensations",
       api::arrayOf(api::object({{"action", api::string()}, {"reason", api::string()}, {"at", api::dateTime()}}))});
  components.define("Saga", api::object(std::move(saga)));
}

}  // namespace boxoffice::orders
