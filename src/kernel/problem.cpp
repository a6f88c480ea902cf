#include "boxoffice/kernel/problem.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

namespace boxoffice {

Problem::Problem(int status, std::string slug, std::string title, std::string detail)
    : std::runtime_error(title + (detail.empty() ? "" : ": " + detail)),
      status_(status),
      slug_(std::move(slug)),
      title_(std::move(title)),
      detail_(std::move(detail)) {}

Problem& Problem::withError(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
  return *this;
}

Problem& Problem::withHeader(std::string name, std::string value) {
  headers_[std::move(name)] = std::move(value);
  return *this;
}

Problem& Problem::withMember(std::string name, std::string value) {
  static constexpr std::array<std::string_view, 6> kStandard{"type", "title", "status", "detail", "instance", "errors"};
  if (std::find(kStandard.begin(), kStandard.end(), name) != kStandard.end()) {
    throw std::logic_error("a problem's extension member cannot be named " + name);
  }
  members_.emplace_back(std::move(name), std::move(value));
  return *this;
}

Problem Problem::validation(std::vector<FieldError> errors, std::size_t total) {
  total = std::max(total, errors.size());
  if (errors.size() > kMaxFieldErrors) errors.resize(kMaxFieldErrors);
  std::string detail =
      total == 1 ? errors.front().field + ": " + errors.front().message
                 : std::to_string(total) + " fields are invalid" +
                       (total > errors.size() ? "; the first " + std::to_string(errors.size()) + " are listed." : ".");
  Problem problem(400, "validation", "The request is invalid.", std::move(detail));
  problem.errors_ = std::move(errors);
  return problem;
}

Problem Problem::badRequest(std::string detail) {
  return {400, "bad-request", "The request is malformed.", std::move(detail)};
}
Problem Problem::unauthorized(std::string detail) {
  return Problem(401, "unauthorized", "Authentication is required.", std::move(detail))
      .withHeader("WWW-Authenticate", "Bearer");
}
Problem Problem::forbidden(std::string detail) { return {403, "forbidden", "You may not do this.", std::move(detail)}; }
Problem Problem::notFound(std::string detail) { return {404, "not-found", "Not found.", std::move(detail)}; }
Problem Problem::conflict(std::string slug, std::string title, std::string detail) {
  return {409, std::move(slug), std::move(title), std::move(detail)};
}
Problem Problem::preconditionFailed(std::string detail) {
  return {412, "precondition-failed", "The resource has changed.", std::move(detail)};
}
Problem Problem::preconditionRequired(std::string detail) {
  return {428, "precondition-required", "If-Match is required.", std::move(detail)};
}
Problem Problem::unsupportedMediaType(std::string detail) {
  return {415, "unsupported-media-type", "Unsupported media type.", std::move(detail)};
}
Problem Problem::unavailable(std::string detail) {
  return {503, "unavailable", "The service is not available.", std::move(detail)};
}

Problem Problem::rateLimited(std::string detail, std::chrono::seconds retryAfter) {
  auto seconds = std::max<long long>(1, retryAfter.count());
  return Problem(429, "rate-limited", "Too many requests.", std::move(detail))
      .withHeader("Retry-After", std::to_string(seconds));
}

namespace {

// Problem texts may quote what the client sent (a path, an id); Boost.JSON copies bytes as they
// are, so invalid UTF-8 would make the answer invalid JSON. Each bad byte becomes U+FFFD.
std::string validUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = byte < 0x80           ? 1
                         : (byte >> 5) == 0x6  ? 2
                         : (byte >> 4) == 0xE  ? 3
                         : (byte >> 3) == 0x1E ? 4
                                               : 0;
    bool ok = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; ok && k < length; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && length > 1) {
      // Reject overlong forms, surrogates and code points above U+10FFFF.
      std::uint32_t cp = byte & (0x7F >> length);
      for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMinimum[length] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

http::Response toResponse(const Problem& problem, std::string_view instance) {
  boost::json::object body{
      {"type", "/problems/" + problem.slug()}, {"title", problem.title()}, {"status", problem.status()}};
  if (!problem.detail().empty()) body["detail"] = validUtf8(problem.detail());
  body["instance"] = validUtf8(instance);
  if (!problem.errors().empty()) {
    boost::json::array errors;
    for (const auto& e : problem.errors())
      errors.push_back({{"field", validUtf8(e.field)}, {"message", validUtf8(e.message)}});
    body["errors"] = std::move(errors);
  }
  for (const auto& [name, value] : problem.members()) body[name] = validUtf8(value);
  http::Response response;
  response.status = problem.status();
  response.headers = problem.headers();
  response.headers["Content-Type"] = "application/problem+json";
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace boxoffice
