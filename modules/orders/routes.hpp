#pragma once
// The HTTP surface of the orders module (docs/api/orders.md): thin handlers that parse the
// request, call OrdersService and render.
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"
#include "boxoffice/payments/api.hpp"
#include "service.hpp"

namespace boxoffice::orders {

struct RouteSettings {
  int maxItemsPerOrder = 10;
  int maxTicketsPerItem = 20;
};

// The per-buyer rate limit policy of the POSTs that start or pay a checkout.
inline constexpr const char* kPlacePolicy = "orders.place";

class Routes {
 public:
  Routes(OrdersService& service, const payments::PaymentMethods* paymentMethods, RateLimiter& rateLimiter,
         RouteSettings settings);
  void registerAll(Router& router);

 private:
  http::Response placeOrder(const http::Request& request, RequestContext& ctx);
  http::Response payOrder(const http::Request& request, RequestContext& ctx);
  http::Response getOrder(const http::Request& request, RequestContext& ctx);
  http::Response listOrders(const http::Request& request, RequestContext& ctx);
  http::Response cancelOrder(const http::Request& request, RequestContext& ctx);
  http::Response listSagas(const http::Request& request, RequestContext& ctx);
  http::Response getSaga(const http::Request& request, RequestContext& ctx);

  void checkRate(const RequestContext& ctx);
  payments::messages::PaymentMethod prepare(const payments::PaymentInput& input, const std::string& fieldPrefix) const;
  void checkPaymentToo(const payments::PaymentInput& input, const std::string& fieldPrefix,
                       json::Validation& validation) const;

  OrdersService& service_;
  const payments::PaymentMethods* paymentMethods_;
  RateLimiter& rateLimiter_;
  RouteSettings settings_;
};

}  // namespace boxoffice::orders
