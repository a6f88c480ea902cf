#include "boxoffice/kernel/paging.hpp"

#include <charconv>
#include <string>
#include <vector>

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice {

namespace {

constexpr std::size_t kMaxDigits = 18;  // every 18-digit number fits in int64: no overflow to detect

void parseInto(const http::Request& request, const char* name, int max, int& target, std::vector<FieldError>& errors) {
  auto text = request.queryParam(name);
  if (!text) return;
  if (auto value = parseBoundedInt(*text, 1, max)) {
    target = static_cast<int>(*value);
  } else {
    errors.push_back({name, "must be an integer from 1 to " + std::to_string(max)});
  }
}

}  // namespace

std::optional<std::int64_t> parseBoundedInt(std::string_view text, std::int64_t min, std::int64_t max) {
  if (text.empty() || text.size() > kMaxDigits) return std::nullopt;
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
  parseInto(request, "page", kMaxPage, result.page, errors);
  parseInto(request, "size", kMaxPageSize, result.size, errors);
  if (!errors.empty()) throw Problem::validation(std::move(errors));
  return result;
}

boost::json::object pageEnvelope(boost::json::array items, const PageRequest& page, std::int64_t totalItems) {
  std::int64_t totalPages = totalItems <= 0 ? 0 : (totalItems + page.size - 1) / page.size;
  return {{"items", std::move(items)},
          {"page", page.page},
          {"size", page.size},
          {"totalItems", totalItems},
          {"totalPages", totalPages}};
}

}  // namespace boxoffice
