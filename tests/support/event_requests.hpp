#pragma once
// Events over HTTP in integration tests: a valid event body (a Berlin concert hall with VIP and
// General seats), creating and publishing it as an organizer, and reading a list page's names.
// REQUIRE stops the calling test when the server refuses, so callers get ids they can use.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <string>
#include <vector>

#include "json_text.hpp"
#include "test_server.hpp"

namespace boxoffice::testing {

struct EventFields {
  std::string name;
  std::string description = "An evening of live music.";
  std::string category = "concert";
  std::string startsAt = "2030-03-12T19:00:00Z";
  std::string endsAt = "2030-03-12T22:00:00Z";
  std::string city = "Berlin";
};

inline boost::json::object eventRequestBody(const EventFields& e) {
  return {{"name", e.name},
          {"description", e.description},
          {"category", e.category},
          {"startsAt", e.startsAt},
          {"endsAt", e.endsAt},
          {"timezone", "Europe/Berlin"},
          {"venue", {{"name", "Columbiahalle"}, {"address", "Columbiadamm 13"}, {"city", e.city}, {"country", "DE"}}},
          {"maxCapacity", 1000},
          {"priceCategories", boost::json::array{{{"categoryId", "vip"},
                                                  {"name", "VIP"},
                                                  {"price", {{"amount", 12900}, {"currency", "EUR"}}},
                                                  {"totalSeats", 100}},
                                                 {{"categoryId", "general"},
                                                  {"name", "General"},
                                                  {"price", {{"amount", 5900}, {"currency", "EUR"}}},
                                                  {"totalSeats", 800}}}}};
}

// `headers` plus one more.
inline HeaderList with(HeaderList headers, const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
  return headers;
}

// The new Draft's id.
inline std::string createEvent(TestServer& server, const std::string& token, const boost::json::object& body) {
  auto r = server.post("/api/v1/events", json(body), TestServer::bearer(token));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json().at("id"));
}

inline std::string createPublished(TestServer& server, const std::string& token, const boost::json::object& body) {
  auto id = createEvent(server, token, body);
  auto r = server.post("/api/v1/events/" + id + "/publish", "", TestServer::bearer(token));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return id;
}

// The `name` of every item of a list page, in order.
inline std::vector<std::string> itemNames(const HttpResult& r) {
  std::vector<std::string> names;
  auto body = r.json();  // keep the parsed value alive while iterating
  for (const auto& item : body.at("items").as_array()) names.push_back(str(item.at("name")));
  return names;
}

}  // namespace boxoffice::testing
