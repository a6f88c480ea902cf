#pragma once
// Plain HTTP request/response types. Handlers see only these; Beast stays inside the server.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boxoffice::http {

enum class Method { Get, Head, Post, Put, Patch, Delete, Options, Other };

std::string_view to_string(Method method);

// Header names compare case-insensitively, as HTTP requires.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  Method method = Method::Get;
  std::string target;  // as received: path plus query
  std::string path;    // percent-decoded path
  std::multimap<std::string, std::string> query;
  Headers headers;
  std::string body;
  std::string remoteAddress;
  std::map<std::string, std::string> pathParams;  // filled by the router

  std::optional<std::string> header(std::string_view name) const;
  // The first value of a query parameter, if present.
  std::optional<std::string> queryParam(const std::string& name) const;
  const std::string& param(const std::string& name) const;  // a path parameter; throws if absent
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, std::string body);
  static Response noContent();
  Response& with(std::string name, std::string value) {
    headers[std::move(name)] = std::move(value);
    return *this;
  }
};

// Parses "a=b&c=d" (percent-decoding names and values) into a multimap.
std::multimap<std::string, std::string> parseQuery(std::string_view query);

}  // namespace boxoffice::http
