#pragma once
// JSON documents of the orders API (docs/api/orders.md).
#include <boost/json.hpp>
#include <vector>

#include "boxoffice/kernel/openapi.hpp"
#include "model.hpp"

namespace boxoffice::orders {

// An order with what its document shows beside the row.
struct OrderView {
  Checkout checkout;
  std::vector<HistoryEntry> history;
  std::vector<RefundRecord> refunds;
  std::vector<ReturnRecord> returns;
};

struct SagaView {
  Checkout checkout;
  std::vector<StepRecord> steps;
  std::vector<Compensation> compensations;
};

boost::json::object orderJson(const OrderView& view);
// A list entry: the order without its history, refunds and returns.
boost::json::object orderSummaryJson(const Checkout& checkout);
boost::json::object sagaSummaryJson(const Checkout& checkout);
boost::json::object sagaJson(const SagaView& view);

// The OpenAPI schemas of the documents above ("Order", "OrderSummary", "Saga", "SagaSummary");
// keep them in step (the integration tests check every answer against them).
void defineApiSchemas(openapi::Components& components);

}  // namespace boxoffice::orders
