#include "paging.hpp"

#include <charconv>

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::events {

std::optional<std::int64_t> parseBoundedInt(const std::string& text, std::int64_t min, std::int64_t max) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

PageRequest parsePageRequest(const http::Request& request) {
  PageRequest result;
  std::vector<FieldError> errors;
  if (auto page = request.queryParam("page")) {
    if (auto value = parseBoundedInt(*page, 1, kMaxPage)) {
      result.page = static_cast<int>(*value);
    } else {
      errors.push_back({"page", "must be an integer from 1 to " + std::to_string(kMaxPage)});
    }
  }
  if (auto size = request.queryParam("size")) {
    if (auto value = parseBoundedInt(*size, 1, kMaxPageSize)) {
      result.size = static_cast<int>(*value);
    } else {
      errors.push_back({"size", "must be an integer from 1 to " + std::to_string(kMaxPageSize)});
    }
  }
  if (!errors.empty()) throw Problem::validation(std::move(errors));
  return result;
}

boost::json::object pageEnvelope(boost::json::array items, const PageRequest& page, std::int64_t totalItems) {
  std::int64_t totalPages = totalItems == 0 ? 0 : (totalItems + page.size - 1) / page.size;
  return {{"items", std::move(items)},
          {"page", page.page},
          {"size", page.size},
          {"totalItems", totalItems},
          {"totalPages", totalPages}};
}

}  // namespace boxoffice::events
