#pragma once
// ?page=&size= as ARCHITECTURE.md defines them, and the list envelope every list returns.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice::events {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
inline constexpr int kMaxPage = 1'000'000;

struct PageRequest {
  int page = 1;
  int size = kDefaultPageSize;
  std::int64_t offset() const { return static_cast<std::int64_t>(page - 1) * size; }
};

// A decimal integer in [min, max]; nullopt for anything else ("", "1.5", "-0", "1e3", overflow).
std::optional<std::int64_t> parseBoundedInt(const std::string& text, std::int64_t min, std::int64_t max);

// Throws Problem::validation naming `page` or `size`.
PageRequest parsePageRequest(const http::Request& request);

// {"items", "page", "size", "totalItems", "totalPages"}
boost::json::object pageEnvelope(boost::json::array items, const PageRequest& page, std::int64_t totalItems);

}  // namespace boxoffice::events
