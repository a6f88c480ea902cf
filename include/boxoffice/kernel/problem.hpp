#pragma once
// The one error model (RFC 9457 problem details). Code anywhere throws a Problem; the HTTP edge
// turns it into application/problem+json. Anything else thrown becomes a generic 500 whose
// text is logged, never sent.
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice {

struct FieldError {
  std::string field;  // JSON pointer-ish path: "price.amount", "priceCategories[1].name"
  std::string message;
};

class Problem : public std::runtime_error {
 public:
  // slug names the problem type: its `type` URI is "/problems/<slug>" (documented in docs/problems.md).
  Problem(int status, std::string slug, std::string title, std::string detail = {});

  int status() const { return status_; }
  const std::string& slug() const { return slug_; }
  const std::string& title() const { return title_; }
  const std::string& detail() const { return detail_; }
  const std::vector<FieldError>& errors() const { return errors_; }
  const http::Headers& headers() const { return headers_; }
  const std::vector<std::pair<std::string, std::string>>& members() const { return members_; }

  Problem& withError(std::string field, std::string message);
  Problem& withHeader(std::string name, std::string value);
  // An extension member (RFC 9457 section 3.2) with a string value, e.g. when a ticket was first
  // checked in. Names must not be one of the standard members.
  Problem& withMember(std::string name, std::string value);

  // The common ones. Module-specific problems construct Problem directly with their own slug.
  // At most kMaxFieldErrors entries are listed (a body of many bad keys must not buy an answer
  // many times its size); `total`, when larger, is how many there were (said in `detail`).
  static constexpr std::size_t kMaxFieldErrors = 50;
  static Problem validation(std::vector<FieldError> errors, std::size_t total = 0);
  static Problem badRequest(std::string detail);
  static Problem unauthorized(std::string detail = "A valid bearer token is required.");
  static Problem forbidden(std::string detail = "Your role does not allow this action.");
  static Problem notFound(std::string detail = "The resource does not exist.");
  static Problem conflict(std::string slug, std::string title, std::string detail);
  static Problem preconditionFailed(std::string detail = "The resource has changed; fetch it again.");
  static Problem preconditionRequired(std::string detail = "This update requires an If-Match header.");
  static Problem unsupportedMediaType(std::string detail = "The body must be application/json.");
  static Problem unavailable(std::string detail);
  // 429 `rate-limited` with `Retry-After` (whole seconds, at least 1): the one shape every rate
  // limit answers with, the request pipeline's and a module's own policy alike.
  static Problem rateLimited(std::string detail, std::chrono::seconds retryAfter);

 private:
  int status_;
  std::string slug_;
  std::string title_;
  std::string detail_;
  std::vector<FieldError> errors_;
  http::Headers headers_;
  std::vector<std::pair<std::string, std::string>> members_;
};

// Renders a problem as a response; `instance` is the request path.
http::Response toResponse(const Problem& problem, std::string_view instance);

}  // namespace boxoffice
