#include "wire_request.hpp"

#include <boost/url/pct_string_view.hpp>

namespace boxoffice {

namespace {

namespace bhttp = boost::beast::http;

http::Method toMethod(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return http::Method::Get;
    case bhttp::verb::head:
      return http::Method::Head;
    case bhttp::verb::post:
      return http::Method::Post;
    case bhttp::verb::put:
      return http::Method::Put;
    case bhttp::verb::patch:
      return http::Method::Patch;
    case bhttp::verb::delete_:
      return http::Method::Delete;
    case bhttp::verb::options:
      return http::Method::Options;
    default:
      return http::Method::Other;
  }
}

}  // namespace

std::optional<http::Request> requestFromWire(bhttp::request<bhttp::string_body>&& message) {
  http::Request request;
  request.method = toMethod(message.method());
  request.target = std::string(message.target());
  auto question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (!boost::urls::make_pct_string_view(request.path) || request.path.empty() || request.path.front() != '/') {
    return std::nullopt;
  }
  if (question != std::string::npos) {
    request.query = http::parseQuery(std::string_view(request.target).substr(question + 1));
  }
  // A field sent on several lines is one list (RFC 9110 5.3): `If-None-Match: "1"` plus
  // `If-None-Match: "2"` means `"1", "2"`, not whichever came last. Cookie lines join with "; ".
  for (const auto& field : message) {
    auto [it, added] = request.headers.try_emplace(std::string(field.name_string()), field.value());
    if (!added) it->second.append(field.name() == bhttp::field::cookie ? "; " : ", ").append(field.value());
  }
  request.body = std::move(message.body());
  return request;
}

}  // namespace boxoffice
