#pragma once
// Helpers shared by the events unit tests: catching Problems, a valid request body, and a real
// events database in a temporary directory.
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "support/temp_database.hpp"

namespace boxoffice::events::testing {

struct Caught {
  int status = 0;  // 0: nothing was thrown
  std::string slug;
  std::vector<FieldError> errors;
  bool hasField(const std::string& field) const {
    for (const auto& e : errors)
      if (e.field == field) return true;
    return false;
  }
};

template <class F>
Caught problemOf(F&& f) {
  try {
    f();
  } catch (const Problem& p) {
    return {p.status(), p.slug(), p.errors()};
  }
  return {};
}

// A body that passes every validation rule; tests change one thing at a time.
inline boost::json::object validBody() {
  return boost::json::parse(R"({
    "name": "Radiohead Tribute Night",
    "description": "Live, start to finish.",
    "category": "concert",
    "startsAt": "2030-03-12T19:00:00Z",
    "endsAt": "2030-03-12T22:00:00Z",
    "timezone": "Europe/Berlin",
    "venue": {"name": "Columbiahalle", "address": "Columbiadamm 13", "city": "Berlin", "country": "DE"},
    "maxCapacity": 1000,
    "priceCategories": [
      {"categoryId": "vip", "name": "VIP", "price": {"amount": 12900, "currency": "EUR"}, "totalSeats": 100},
      {"categoryId": "general", "name": "General", "price": {"amount": 5900, "currency": "EUR"}, "totalSeats": 800}
    ]
  })")
      .as_object();
}

struct TempStore : boxoffice::test_support::TempDatabase {
  TempStore() : TempDatabase("events", embeddedMigrations()) {}
};

}  // namespace boxoffice::events::testing
