#pragma once
// Everything between "a whole request arrived" and "here is the response", independent of Beast:
// request id, CORS, routing, authentication, rate limiting, permission check, the handler, the
// error mapping, metrics and the access log. Runs on an io thread: everything up to the handler is
// memory-only, and the handler itself goes to `toWorkers` unless its route runs on the io thread.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"

namespace boxoffice {

class Problem;

// The RateLimiter policy counting requests with an invalid bearer token, per client network.
inline constexpr const char* kAuthFailurePolicy = "authFailures";

class RequestPipeline {
 public:
  RequestPipeline(const Router& router, const auth::Authenticator* authenticator, RateLimiter& rateLimiter,
                  Metrics& metrics, Logger log, std::vector<std::string> corsAllowedOrigins);

  // Runs a job on the worker pool (where blocking is allowed).
  using Offload = std::function<void(std::function<void()>)>;

  // Answers through `respond` exactly once, from any thread.
  void handle(http::Request request, const Respond& respond, const Offload& toWorkers);
  // A response for a request that never reached routing (parse errors, limits).
  static http::Response early(int status, std::string slug, std::string title, std::string detail);
  int inFlight() const { return inFlight_.load(); }

 private:
  std::string corsOrigin(const http::Request& request) const;
  // Authentication, rate limit and permission, as the route declares them: the caller, or a
  // thrown Problem (401, 429, 403). Fills the RateLimit headers of the response.
  std::optional<auth::Principal> admit(const Route& route, const http::Request& request, http::Headers& rateHeaders);
  // A 401 costs the client's network a token of kAuthFailurePolicy; with none left it is a 429.
  void countAuthFailure(const http::Request& request, const Problem& failure);
  // For a route with its own executor: the per-network admission charge (429 when spent), then
  // the queueing (503 with Retry-After when the pool is full).
  void chargeAdmission(const Route& route, const http::Request& request);
  void submitToExecutor(const Route& route, std::function<void()> job);
  const Router& router_;
  const auth::Authenticator* authenticator_;
  RateLimiter& rateLimiter_;
  Metrics& metrics_;
  Logger log_;
  std::vector<std::string> corsAllowedOrigins_;
  std::atomic<int> inFlight_{0};
};

}  // namespace boxoffice
