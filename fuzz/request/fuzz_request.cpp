// The request pipeline from raw bytes to the response: Beast's parser with the server's limits,
// then the same conversion the server does (wire_request.hpp: target, path, percent escapes,
// query), the trusted-proxy headers, and the real RequestPipeline (routing on raw segments,
// parameter decoding, CORS, authentication, rate limits, permissions, handlers reading paging
// and JSON bodies, error mapping). Every response must be a status from 100 to 599, and every
// error an RFC 9457 problem that parses as JSON.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"
#include "boxoffice/kernel/trusted_proxies.hpp"
#include "request_pipeline.hpp"
#include "wire_request.hpp"

namespace {

using namespace boxoffice;
namespace bhttp = boost::beast::http;

// "Bearer good" is an Organizer; any other token is refused as a forged one would be.
class FuzzAuthenticator final : public auth::Authenticator {
 public:
  auth::Principal authenticate(std::string_view token) const override {
    if (token != "good") throw Problem::unauthorized("The token is invalid.");
    return {"7d3c1d2e-0000-4000-8000-000000000001", "organizer@example.com", {auth::Role::Organizer}};
  }
};

http::Response echo(const http::Request& request, RequestContext&) {
  boost::json::object out{{"path", request.path}};
  for (const auto& [name, value] : request.pathParams) out[name] = value;
  auto page = parsePageRequest(request);
  out["page"] = page.page;
  return http::Response::json(200, boost::json::serialize(out));
}

http::Response readBody(const http::Request& request, RequestContext&) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto name = in.requiredString("name", 1, 200);
  auto count = in.optionalInt("count", 1, 100);
  (void)in.optionalArray("tags", 10);
  (void)in.optionalObject("venue");
  in.rejectUnknown();
  validation.throwIfAny();
  return http::Response::json(
      201, boost::json::serialize(boost::json::object{{"name", name}, {"count", count.value_or(1)}}));
}

// Everything the pipeline needs, made once per process (libFuzzer calls the entry point
// millions of times). Rate limits are generous: the target is about parsing, not throttling.
struct Fixture {
  std::ostringstream discarded;
  std::shared_ptr<LogSink> sink = std::make_shared<LogSink>(discarded, LogLevel::Error);
  SystemClock clock;
  RateLimiter limiter{clock};
  Metrics metrics;
  Router router;
  FuzzAuthenticator authenticator;
  TrustedProxies proxies{std::vector<std::string>{"10.0.0.0/8", "::1"}};
  std::unique_ptr<RequestPipeline> pipeline;

  Fixture() {
    for (const char* policy : {"anonymous", "user", "authFailures"}) limiter.definePolicy(policy, {1e9, 1e9});
    router.add(http::Method::Get, "/api/v1/things", "fuzz", Access::anyone(), echo);
    router.add(http::Method::Get, "/api/v1/things/search", "fuzz", Access::anyone(), echo, Execution::IoThread);
    router.add(http::Method::Get, "/api/v1/things/{id}", "fuzz", Access::optionalUser(), echo);
    router.add(http::Method::Get, "/api/v1/things/{id}/parts/{partId}", "fuzz", Access::authenticated(), echo);
    router.add(http::Method::Post, "/api/v1/things", "fuzz", Access::require(auth::Permission::EventsCreate), readBody);
    router.add(http::Method::Put, "/api/v1/things/{id}", "fuzz", Access::require(auth::Permission::UsersManage),
               readBody);
    router.add(http::Method::Get, "/health", "fuzz", Access::anyone().unmetered(), echo, Execution::IoThread);
    pipeline = std::make_unique<RequestPipeline>(router, &authenticator, limiter, metrics, Logger(sink, "fuzz"),
                                                 std::vector<std::string>{"https://shop.example"});
  }
};

void check(const http::Response& response) {
  if (response.status < 100 || response.status > 599) std::abort();
  if (response.status >= 400) {
    auto type = response.headers.find("Content-Type");
    if (type == response.headers.end() || type->second.find("application/problem+json") == std::string::npos) {
      std::abort();
    }
    boost::system::error_code error;
    auto body = boost::json::parse(response.body, error);
    if (error || !body.is_object() || !body.as_object().contains("type")) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(8192);   // server.headerLimitBytes' default
  parser.body_limit(1 << 20);  // server.bodyLimitBytes' default
  parser.eager(true);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(data, size), error);
  if (error || !parser.is_done()) return 0;  // the server answers these itself (400/413/431), unrouted
  auto request = requestFromWire(parser.release());
  if (!request) return 0;
  auto client = fixture.proxies.resolve(size % 2 == 0 ? "10.1.2.3" : "192.0.2.7", request->headers, "http");
  request->remoteAddress = client.address;
  request->scheme = client.scheme;
  bool answered = false;
  fixture.pipeline->handle(
      std::move(*request),
      [&answered](http::Response response) {
        check(response);
        answered = true;
      },
      [](const std::function<void()>& job) { job(); });  // the worker pool, inline
  if (!answered) std::abort();                           // the pipeline answers exactly once, and here synchronously
  return 0;
}
