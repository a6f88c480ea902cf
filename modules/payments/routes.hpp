#pragma once
// The HTTP surface of the payments module (docs/api/payments.md): thin handlers that check who
// may see what, parse, and call the store or the processor. POST /api/v1/payments belongs to the
// orders module (it pays a Reserved order through the saga).
#include <map>
#include <string>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"
#include "processor.hpp"

namespace boxoffice::events {
class EventQueries;
}  // namespace boxoffice::events

namespace boxoffice::payments {

inline constexpr const char* kWebhookPolicy = "payments-webhooks";

class Routes {
 public:
  Routes(Database& store, PaymentProcessor& processor, const events::EventQueries* events,
         std::map<std::string, SecretString> webhookSecrets, RateLimiter& rateLimiter, const Clock& clock);
  void registerAll(Router& router);

 private:
  http::Response getPayment(const http::Request& request, RequestContext& ctx);
  http::Response listPayments(const http::Request& request, RequestContext& ctx);
  http::Response refund(const http::Request& request, RequestContext& ctx);
  http::Response webhook(const http::Request& request, RequestContext& ctx);
  http::Response report(const http::Request& request, RequestContext& ctx);
  bool organizes(const auth::Principal& caller, const std::string& eventId) const;
  bool mayView(const auth::Principal& caller, const Payment& payment) const;

  Database& store_;
  PaymentProcessor& processor_;
  const events::EventQueries* events_;
  std::map<std::string, SecretString> webhookSecrets_;
  RateLimiter& rateLimiter_;
  const Clock& clock_;
};

}  // namespace boxoffice::payments
