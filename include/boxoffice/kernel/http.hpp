#pragma once
// Plain HTTP request/response types. Handlers see only these; Beast stays inside the server.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boxoffice::http {

enum class Method { Get, Head, Post, Put, Patch, Delete, Options, Other };

std::string_view to_string(Method method);

// Header names compare case-insensitively, as HTTP requires (ASCII only: header names are
// tokens). Transparent, so a lookup by string_view builds no std::string.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  Method method = Method::Get;
  std::string target;  // as received: path plus query
  std::string path;    // the path as sent (still percent-encoded); the router decodes parameters
  std::multimap<std::string, std::string> query;
  Headers headers;
  std::string body;
  // The client's address: the peer's, or when the peer is a trusted proxy
  // (server.trustedProxies) the nearest untrusted address its Forwarded/X-Forwarded-For names.
  std::string remoteAddress;
  std::string scheme = "http";                    // "https" under TLS, or as a trusted proxy's X-Forwarded-Proto says
  std::map<std::string, std::string> pathParams;  // filled by the router, percent-decoded

  std::optional<std::string> header(std::string_view name) const;
  // The first value of a query parameter, if present.
  std::optional<std::string> queryParam(const std::string& name) const;
  const std::string& param(const std::string& name) const;  // a path parameter; throws if absent
  bool isWebSocketUpgrade() const;
  bool acceptsEventStream() const;  // Accept: text/event-stream
};

// A server-push connection to one client (Server-Sent Events or WebSocket). Thread-safe.
// If the client reads slowly, an unsent message is replaced by a newer one: subscribers get the
// latest state, never an unbounded backlog.
class PushChannel {
 public:
  virtual ~PushChannel() = default;
  virtual void send(std::string message) = 0;
  virtual bool isOpen() const = 0;
  virtual void close() = 0;
};

enum class PushKind { ServerSentEvents, WebSocket };

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the server keeps the connection as a push channel instead of sending `body`:
  // for ServerSentEvents after a 200 text/event-stream header, for WebSocket after the upgrade
  // handshake (only if the request asked for one). `onOpen` receives the channel.
  std::optional<PushKind> push;
  std::function<void(std::shared_ptr<PushChannel>)> onOpen;

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
