#pragma once
// A raw HTTP/1.1 connection for tests that need control over the bytes on the wire: keep-alive,
// pipelining, half-sent requests, oversized headers. TestServer::request uses it too (one
// connection per request). Responses are parsed with Beast (kept in http_client.cpp only).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test_server.hpp"

namespace boxoffice::testing {

// Builds the bytes of one request. Adds Host, and Content-Length when there is a body or the
// method usually has one; `headers` are sent as given (add "Connection: close" yourself).
std::string formatRequest(const std::string& method, const std::string& target, const std::string& body,
                          const HeaderList& headers, std::uint16_t port);

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; every read waits at most `timeout`. `sourceAddress` (another
  // loopback address such as "127.0.0.2") makes the connection come from a different client.
  explicit RawConnection(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                         const char* sourceAddress = nullptr);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes all bytes; throws if the peer has closed or reset the connection.
  void send(std::string_view bytes);
  // Like send, but reports a closed/reset connection as false instead of throwing.
  bool trySend(std::string_view bytes);
  // Reads one whole response (`head`: it answers a HEAD request, so it has no body). Throws on
  // timeout, or if the connection closes before a complete response.
  HttpResult readResponse(bool head = false);
  // Waits until the peer closes the connection (EOF or reset): true if it did within `timeout`.
  // Bytes that arrived meanwhile are appended to `received` (may be null).
  bool waitForClose(std::chrono::milliseconds timeout, std::string* received = nullptr);
  // Bytes received but not yet consumed by readResponse.
  const std::string& pending() const { return buffer_; }
  void setTimeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  // Appends what arrives within `timeout` to buffer_: >0 bytes read, 0 peer closed, <0 timeout.
  long receiveSome(std::chrono::milliseconds timeout);
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

// Opens `count` connections (from `sourceAddress`, default 127.0.0.1), has each answered once
// (GET /health, keep-alive) so the server has accepted it, and returns them still open. Throws if
// one is not answered 200.
std::vector<std::unique_ptr<RawConnection>> holdConnections(std::uint16_t port, int count,
                                                            const char* sourceAddress = nullptr);

}  // namespace boxoffice::testing
