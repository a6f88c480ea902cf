#include "request_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "boxoffice/kernel/bounded_executor.hpp"
#include "boxoffice/kernel/client_network.hpp"
#include "boxoffice/kernel/context.hpp"
#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/storage_error.hpp"

namespace boxoffice {

namespace {

bool validRequestId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

// W3C traceparent: version-traceid-parentid-flags, e.g. 00-<32 hex>-<16 hex>-01.
std::string traceIdOf(std::string_view traceparent) {
  if (traceparent.size() != 55 || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') return {};
  auto traceId = traceparent.substr(3, 32);
  bool hex =
      std::all_of(traceId.begin(), traceId.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!hex || traceId == std::string(32, '0')) return {};
  return std::string(traceId);
}

std::string joinMethods(const std::vector<http::Method>& methods) {
  std::string out;
  for (auto m : methods) {
    if (!out.empty()) out += ", ";
    out += http::to_string(m);
  }
  return out;
}

}  // namespace

RequestPipeline::RequestPipeline(const Router& router, const auth::Authenticator* authenticator,
                                 RateLimiter& rateLimiter, Metrics& metrics, Logger log,
                                 std::vector<std::string> corsAllowedOrigins)
    : router_(router),
      authenticator_(authenticator),
      rateLimiter_(rateLimiter),
      metrics_(metrics),
      log_(std::move(log)),
      corsAllowedOrigins_(std::move(corsAllowedOrigins)) {
  metrics_.describe("http_requests_total", "counter", "HTTP requests by method, route template and status.");
  metrics_.describe("http_request_duration_seconds", "histogram", "HTTP request latency by method and route template.");
  metrics_.gaugeCallback("http_requests_in_flight", [this] { return static_cast<double>(inFlight_.load()); });
  metrics_.describe("http_requests_in_flight", "gauge", "Requests being handled now.");
  metrics_.describe("http_auth_failures_limited_total", "counter",
                    "Requests answered 429 because their network sent too many invalid bearer tokens.");
  metrics_.describe("http_executor_rejected_total", "counter",
                    "Requests answered 503 because their route's own bounded pool was full.");
}

std::string RequestPipeline::corsOrigin(const http::Request& request) const {
  auto origin = request.header("Origin");
  if (!origin) return {};
  for (const auto& allowed : corsAllowedOrigins_) {
    if (allowed == "*" || allowed == *origin) return *origin;
  }
  return {};
}

http::Response RequestPipeline::early(int status, std::string slug, std::string title, std::string detail) {
  auto response = toResponse(Problem(status, std::move(slug), std::move(title), std::move(detail)), "");
  response.headers["Connection"] = "close";
  response.headers["X-Request-Id"] = newUuid();
  return response;
}

std::optional<auth::Principal> RequestPipeline::admit(const Route& route, const http::Request& request,
                                                      http::Headers& rateHeaders) {
  std::optional<auth::Principal> principal;
  if (route.access.readsToken()) {
    if (auto authorization = request.header("Authorization")) {
      constexpr std::string_view scheme = "Bearer ";
      if (authorization->size() <= scheme.size() ||
          !std::equal(scheme.begin(), scheme.end(), authorization->begin(),
                      [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        auto wrongScheme = Problem::unauthorized("Use the Bearer scheme: Authorization: Bearer <token>.");
        countAuthFailure(request, wrongScheme);
        throw wrongScheme;
      }
      if (!authenticator_) throw Problem::unavailable("Authentication is not configured.");
      try {
        principal = authenticator_->authenticate(std::string_view(*authorization).substr(scheme.size()));
      } catch (const Problem& failed) {
        countAuthFailure(request, failed);
        throw;
      }
    } else if (route.access.needsPrincipal()) {
      throw Problem::unauthorized();
    }
  }

  if (route.access.metered()) {
    bool signedIn = principal.has_value();
    auto decision = rateLimiter_.consume(signedIn ? "user" : "anonymous",
                                         signedIn ? principal->userId : clientNetwork(request.remoteAddress));
    rateHeaders["RateLimit-Limit"] = std::to_string(static_cast<long long>(decision.limit));
    rateHeaders["RateLimit-Remaining"] = std::to_string(static_cast<long long>(decision.remaining));
    if (!decision.allowed) {
      rateHeaders["RateLimit-Reset"] = std::to_string(decision.retryAfter.count());
      throw Problem::rateLimited("Slow down and retry after the given delay.", decision.retryAfter);
    }
  }

  if (auto permission = route.access.permission(); permission && !principal->can(*permission)) {
    throw Problem::forbidden("This needs the permission " + std::string(auth::to_string(*permission)) + ".");
  }
  return principal;
}

void RequestPipeline::countAuthFailure(const http::Request& request, const Problem& failure) {
  if (failure.status() != 401) return;  // e.g. 503: nothing the caller guessed
  auto decision = rateLimiter_.consume(kAuthFailurePolicy, clientNetwork(request.remoteAddress));
  if (decision.allowed) return;
  metrics_.increment("http_auth_failures_limited_total");
  throw Problem::rateLimited("Too many requests with an invalid token from your network; retry after the given delay.",
                             decision.retryAfter);
}

void RequestPipeline::chargeAdmission(const Route& route, const http::Request& request) {
  if (route.admissionPolicy.empty()) return;
  auto decision = rateLimiter_.consume(route.admissionPolicy, clientNetwork(request.remoteAddress));
  if (!decision.allowed) {
    throw Problem::rateLimited("Too many requests of this kind from your network; retry after the given delay.",
                               decision.retryAfter);
  }
}

void RequestPipeline::submitToExecutor(const Route& route, std::function<void()> job) {
  if (!route.executor->trySubmit(std::move(job))) {
    metrics_.increment("http_executor_rejected_total", {{"route", route.pattern}});
    throw Problem::unavailable("The server is busy with requests of this kind; retry after the given delay.")
        .withHeader("Retry-After", "1");
  }
}

void RequestPipeline::handle(http::Request request, const Respond& respond, const Offload& toWorkers) {
  auto started = std::chrono::steady_clock::now();
  ++inFlight_;

  // The request id: X-Request-Id if the caller sent a usable one, else the W3C trace id of its
  // traceparent, else a new one. It is echoed, logged on every line, and becomes the
  // correlationId of every message published while handling the request.
  auto requestIdHeader = request.header("X-Request-Id");
  std::string traceId = traceIdOf(request.header("traceparent").value_or(""));
  std::string requestId = requestIdHeader && validRequestId(*requestIdHeader) ? *requestIdHeader
                          : !traceId.empty()                                  ? traceId
                                                                              : newUuid();
  std::string origin = corsOrigin(request);
  auto match = router_.match(request.method == http::Method::Head ? http::Method::Get : request.method, request.path);
  std::string routeName = match.route ? match.route->pattern : "unmatched";
  std::string moduleName = match.route ? match.route->module : "kernel";
  Logger log = log_.forModule(moduleName).forRequest(requestId);
  auto rateHeaders = std::make_shared<http::Headers>();

  // Everything leaves through here: common headers, metrics, the access log.
  auto once = std::make_shared<std::atomic<bool>>(false);
  Respond finish = [this, once, respond, requestId, origin, routeName, log, started, rateHeaders,
                    method = request.method](http::Response response) {
    if (once->exchange(true)) return;
    response.headers["X-Request-Id"] = requestId;
    for (const auto& [name, value] : *rateHeaders) response.headers.try_emplace(name, value);
    if (!origin.empty()) {
      response.headers["Access-Control-Allow-Origin"] = origin;
      // Added to what the handler varies on (static files vary on Accept-Encoding), never replacing it.
      auto& vary = response.headers["Vary"];
      vary = vary.empty() ? "Origin" : vary + ", Origin";
      response.headers["Access-Control-Expose-Headers"] =
          "ETag, Location, X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";
    }
    if (method == http::Method::Head) {
      // What GET would send, without the body (RFC 9110 9.3.2): the length is the GET body's.
      response.headers["Content-Length"] = std::to_string(response.body.size());
      response.body.clear();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string methodName(http::to_string(method));
    metrics_.increment("http_requests_total",
                       {{"method", methodName}, {"route", routeName}, {"status", std::to_string(response.status)}});
    metrics_.observe("http_request_duration_seconds", {{"method", methodName}, {"route", routeName}}, seconds);
    log.info("request", {{"method", methodName},
                         {"route", routeName},
                         {"status", response.status},
                         {"durationUs", static_cast<std::int64_t>(seconds * 1e6)}});
    --inFlight_;
    respond(std::move(response));
  };

  // Runs `step` and answers its Problem or exception: the one place errors become responses.
  // Offloaded jobs carry a copy, so it owns what it uses.
  auto guarded = [finish, log, routeName, instance = request.path](const std::function<void()>& step) {
    try {
      step();
    } catch (const Problem& problem) {
      finish(toResponse(problem, instance));
    } catch (const StorageUnavailable& e) {
      // PostgreSQL restarting or out of reach: the sessions reconnect by themselves, so the
      // caller may simply try again shortly.
      log.warn("storage unavailable", {{"error", errorText(e)}, {"route", routeName}});
      finish(toResponse(Problem(503, "storage-unavailable", "The database is not reachable.",
                                "The request was not carried out; try again shortly.")
                            .withHeader("Retry-After", "2"),
                        instance));
    } catch (const std::exception& e) {
      log.error("unhandled error", {{"error", errorText(e)}, {"route", routeName}});
      finish(toResponse(
          Problem(500, "internal", "Something went wrong on our side.", "The error was logged with this request id."),
          instance));
    }
  };

  guarded([&] {
    // CORS preflight: answered here for every route, without authentication.
    if (request.method == http::Method::Options && request.header("Access-Control-Request-Method")) {
      http::Response preflight = http::Response::noContent();
      if (!origin.empty()) {
        preflight.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
        preflight.headers["Access-Control-Allow-Headers"] =
            "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id, traceparent";
        preflight.headers["Access-Control-Max-Age"] = "600";
      }
      return finish(std::move(preflight));
    }
    if (!match.route) {
      if (match.allowed.empty()) throw Problem::notFound("No resource lives at " + request.path + ".");
      Problem problem(405, "method-not-allowed", "Method not allowed.",
                      std::string(http::to_string(request.method)) + " is not supported here.");
      auto allowed = match.allowed;
      if (std::find(allowed.begin(), allowed.end(), http::Method::Get) != allowed.end())
        allowed.push_back(http::Method::Head);
      problem.withHeader("Allow", joinMethods(allowed));
      throw problem;
    }
    const Route& route = *match.route;
    request.pathParams = std::move(match.params);

    auto principal = admit(route, request, *rateHeaders);

    RequestContext context{requestId, requestId, std::move(principal), log};
    if (route.execution == Execution::IoThread) {
      // The handler answers from memory; its rare blocking step goes to the workers, guarded.
      context.offload = [toWorkers, guarded](std::function<void()> work) {
        toWorkers([guarded, work = std::move(work)] { guarded(work); });
      };
      return route.handler(std::move(request), std::move(context), finish);
    }
    if (route.executor) {
      // Its own bounded pool: queued only after the route's per-network admission charge, and
      // refused with 503 rather than waiting when the pool is full.
      chargeAdmission(route, request);
      return submitToExecutor(
          route, [guarded, handler = &route.handler, request = std::move(request), context = std::move(context),
                  finish]() mutable { guarded([&] { (*handler)(std::move(request), std::move(context), finish); }); });
    }
    toWorkers([guarded, handler = &route.handler, request = std::move(request), context = std::move(context),
               finish]() mutable { guarded([&] { (*handler)(std::move(request), std::move(context), finish); }); });
  });
}

}  // namespace boxoffice
