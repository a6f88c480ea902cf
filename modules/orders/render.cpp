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

}  // namespace boxoffice::orders
