// Prometheus text exposition: HELP/TYPE lines, labels, histograms, gauges.
#include "boxoffice/kernel/metrics.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <vector>

#include "support/text_lines.hpp"

using namespace boxoffice;

using boxoffice::test_support::hasLine;

TEST_CASE("metrics: counters with labels, HELP and TYPE") {
  Metrics m;
  m.describe("http_requests_total", "counter", "HTTP requests handled.");
  m.increment("http_requests_total", {{"method", "GET"}, {"route", "/api/v1/events/{id}"}, {"status", "200"}});
  m.increment("http_requests_total", {{"method", "GET"}, {"route", "/api/v1/events/{id}"}, {"status", "200"}});
  m.increment("http_requests_total", {{"method", "POST"}, {"route", "/api/v1/events"}, {"status", "201"}}, 3);
  auto text = m.render();
  CAPTURE(text);
  CHECK(hasLine(text, "# HELP http_requests_total HTTP requests handled."));
  CHECK(hasLine(text, "# TYPE http_requests_total counter"));
  CHECK(hasLine(text, R"(http_requests_total{method="GET",route="/api/v1/events/{id}",status="200"} 2)"));
  CHECK(hasLine(text, R"(http_requests_total{method="POST",route="/api/v1/events",status="201"} 3)"));
  // HELP and TYPE come before the samples, once.
  CHECK(text.find("# TYPE http_requests_total") < text.find("http_requests_total{"));
  CHECK(text.find("# TYPE http_requests_total") == text.rfind("# TYPE http_requests_total"));
}

TEST_CASE("metrics: a counter without labels") {
  Metrics m;
  m.increment("jobs_total");
  CHECK(hasLine(m.render(), "jobs_total 1"));
}

TEST_CASE("metrics: histogram buckets are cumulative, with +Inf, sum and count") {
  Metrics m;
  m.describe("http_request_duration_seconds", "histogram", "Latency.", {0.01, 0.1, 1});
  Labels labels{{"route", "/health"}};
  for (double v : {0.005, 0.05, 0.05, 0.5, 5.0}) m.observe("http_request_duration_seconds", labels, v);
  auto text = m.render();
  CAPTURE(text);
  CHECK(hasLine(text, "# TYPE http_request_duration_seconds histogram"));
  CHECK(hasLine(text, R"(http_request_duration_seconds_bucket{route="/health",le="0.01"} 1)"));
  CHECK(hasLine(text, R"(http_request_duration_seconds_bucket{route="/health",le="0.1"} 3)"));
  CHECK(hasLine(text, R"(http_request_duration_seconds_bucket{route="/health",le="1"} 4)"));
  CHECK(hasLine(text, R"(http_request_duration_seconds_bucket{route="/health",le="+Inf"} 5)"));
  CHECK(hasLine(text, R"(http_request_duration_seconds_count{route="/health"} 5)"));
  auto sumAt = text.find("http_request_duration_seconds_sum{route=\"/health\"} ");
  REQUIRE(sumAt != std::string::npos);
  auto sum = std::stod(text.substr(text.find("} ", sumAt) + 2));
  CHECK(sum == doctest::Approx(5.605));
}

TEST_CASE("metrics: a value on a bucket bound counts in that bucket (le is <=)") {
  Metrics m;
  m.describe("h", "histogram", "h", {1, 2});
  m.observe("h", {}, 1.0);
  auto text = m.render();
  CHECK(hasLine(text, R"(h_bucket{le="1"} 1)"));
}

TEST_CASE("metrics: gauges set and computed when scraped") {
  Metrics m;
  m.set("http_requests_in_flight", {}, 3);
  m.set("http_requests_in_flight", {}, 2);
  int connections = 7;
  m.describe("http_open_connections", "gauge", "Open connections.");
  m.gaugeCallback("http_open_connections", [&] { return static_cast<double>(connections); });
  auto text = m.render();
  CHECK(hasLine(text, "# TYPE http_requests_in_flight gauge"));
  CHECK(hasLine(text, "http_requests_in_flight 2"));
  CHECK(hasLine(text, "# TYPE http_open_connections gauge"));
  CHECK(hasLine(text, "http_open_connections 7"));
  connections = 9;
  CHECK(hasLine(m.render(), "http_open_connections 9"));
}

TEST_CASE("metrics: label values are escaped") {
  Metrics m;
  m.increment("odd_total", {{"v", "a\"b\\c\nd"}});
  CHECK(hasLine(m.render(), R"(odd_total{v="a\"b\\c\nd"} 1)"));
}

TEST_CASE("metrics: every sample line parses as name{labels} value") {
  Metrics m;
  m.describe("c_total", "counter", "c");
  m.increment("c_total", {{"a", "1"}});
  m.observe("h_seconds", {{"b", "2"}}, 0.3);
  m.set("g", {}, 1.5);
  std::istringstream in(m.render());
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    CHECK_NOTHROW(std::stod(line.substr(space + 1) == "+Inf" ? "1" : line.substr(space + 1)));
    auto name = line.substr(0, line.find_first_of("{ "));
    for (char c : name) CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'));
  }
  CHECK(samples >= 3 + 12);
}
