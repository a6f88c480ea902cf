#pragma once
// Assertions on RFC 9457 problem+json answers, shared by every integration test.
#include <algorithm>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace boxoffice::testing {

// The response is problem+json with this status and (if given) this type slug.
inline void checkProblem(const HttpResult& r, int status, const std::string& slug = {}) {
  CAPTURE(r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type").starts_with("application/problem+json"));
  boost::system::error_code ec;
  auto body = boost::json::parse(r.body, ec);
  REQUIRE_MESSAGE(!ec, "problem body is not JSON");
  REQUIRE(body.is_object());
  const auto& object = body.as_object();
  REQUIRE(object.contains("type"));
  REQUIRE(object.contains("title"));
  REQUIRE(object.contains("status"));
  CHECK(object.at("status").to_number<int>() == status);
  REQUIRE(object.at("title").is_string());
  CHECK(object.at("title").as_string().ends_with("."));  // docs/problems.md: every title is a sentence
  if (!slug.empty()) CHECK(object.at("type").as_string() == "/problems/" + slug);
  CHECK(r.header("x-request-id") != "");
}

// The problem's type ("/problems/<slug>").
inline std::string problemType(const HttpResult& r) { return std::string(r.json().at("type").as_string()); }

// The field names a validation problem reports in `errors`.
inline std::vector<std::string> problemFields(const HttpResult& r) {
  std::vector<std::string> out;
  auto body = r.json();  // keep the parsed value alive while reading it
  if (const auto* errors = body.as_object().if_contains("errors")) {
    for (const auto& e : errors->as_array()) out.emplace_back(e.at("field").as_string());
  }
  return out;
}

// A 400 validation problem that reports `field`.
inline bool hasProblemField(const HttpResult& r, const std::string& field) {
  if (r.status != 400) return false;
  auto fields = problemFields(r);
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

}  // namespace boxoffice::testing
