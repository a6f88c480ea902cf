#pragma once
// A TLS client for the built-in TLS tests: one connection to 127.0.0.1 with OpenSSL, no
// certificate verification (the tests make self-signed certificates and check what they see).
#include <chrono>
#include <cstdint>
#include <string>

#include "test_server.hpp"

struct ssl_ctx_st;
struct ssl_st;

namespace boxoffice::testing {

class TlsConnection {
 public:
  // `maxVersion`: an OpenSSL protocol version constant (e.g. TLS1_1_VERSION) to offer at most;
  // 0 offers what the library allows. Throws with OpenSSL's reason if the handshake fails.
  explicit TlsConnection(std::uint16_t port, int maxVersion = 0,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  std::string protocol() const;        // "TLSv1.3", ...
  std::string peerCommonName() const;  // the CN of the certificate the server sent
  // Sends a GET on this connection (keep-alive) and reads the whole response.
  HttpResult get(const std::string& target);

 private:
  int fd_ = -1;
  ssl_ctx_st* context_ = nullptr;
  ssl_st* ssl_ = nullptr;
  std::string buffer_;
};

}  // namespace boxoffice::testing
