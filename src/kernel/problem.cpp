#include "boxoffice/kernel/problem.hpp"

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

Problem Problem::validation(std::vector<FieldError> errors) {
  std::string detail = errors.size() == 1 ? errors.front().field + ": " + errors.front().message
                                          : std::to_string(errors.size()) + " fields are invalid.";
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

http::Response toResponse(const Problem& problem, std::string_view instance) {
  boost::json::object body{
      {"type", "/problems/" + problem.slug()}, {"title", problem.title()}, {"status", problem.status()}};
  if (!problem.detail().empty()) body["detail"] = problem.detail();
  body["instance"] = instance;
  if (!problem.errors().empty()) {
    boost::json::array errors;
    for (const auto& e : problem.errors()) errors.push_back({{"field", e.field}, {"message", e.message}});
    body["errors"] = std::move(errors);
  }
  http::Response response;
  response.status = problem.status();
  response.headers = problem.headers();
  response.headers["Content-Type"] = "application/problem+json";
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace boxoffice
