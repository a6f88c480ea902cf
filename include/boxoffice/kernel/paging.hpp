#pragma once
// Lists: ?page=&size= as docs/architecture.md defines them (1 <= page <= 1,000,000, 1 <= size <= 100) and the one
// envelope every list answers with. Every list route parses and renders through these two
// functions, so a bad value is refused with the same wording everywhere.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
// Far past any real list; it keeps page * size inside 64 bits and SQL OFFSETs sane.
inline constexpr int kMaxPage = 1'000'000;

struct PageRequest {
  int page = 1;
  int size = kDefaultPageSize;
  std::int64_t offset() const { return static_cast<std::int64_t>(page - 1) * size; }
};

// A plain decimal integer in [min, max]; nullopt for anything else ("", "+1", "1.5", "-0", "1e3",
// overflow).
std::optional<std::int64_t> parseBoundedInt(std::string_view text, std::int64_t min, std::int64_t max);

// Absent parameters take their defaults. Throws Problem::validation naming `page` and/or `size`
// ("must be an integer from 1 to N") for anything else.
PageRequest parsePageRequest(const http::Request& request);

// {"items", "page", "size", "totalItems", "totalPages"}; totalPages is 0 for an empty list.
boost::json::object pageEnvelope(boost::json::array items, const PageRequest& page, std::int64_t totalItems);

}  // namespace boxoffice
