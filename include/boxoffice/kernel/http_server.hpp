#pragma once
// The HTTP/1.1 server (Boost.Beast, in the style of its async examples): a listener accepting
// connections, one session per connection on its own strand, N io threads, and a worker pool
// on which every handler runs. Beast stays inside http_server.cpp.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"

namespace boxoffice {

class Config;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int ioThreads = 0;  // 0: one per core
  int workerThreads = 16;
  std::size_t bodyLimitBytes = 1 << 20;
  std::size_t headerLimitBytes = 8 << 10;
  std::chrono::milliseconds readTimeout{15000};
  std::chrono::milliseconds idleTimeout{60000};
  int maxConnections = 10000;
  // One client network (an IPv4 address, an IPv6 /64) may hold at most this many; a trusted
  // proxy is exempt (it carries everyone).
  int maxConnectionsPerClient = 256;
  // Beyond maxConnections, this many more are accepted for the probes only (/health, /ready,
  // /metrics), so a full server can still say how it is.
  int reservedConnections = 16;
  std::chrono::milliseconds firstRequestTimeout{5000};  // a new connection's first byte
  std::vector<std::string> trustedProxies;
  // Both set: the listener speaks TLS only (1.2+), with HSTS on every answer.
  std::string tlsCertificateFile;
  std::string tlsPrivateKeyFile;
  std::vector<std::string> corsAllowedOrigins;

  static ServerOptions fromConfig(const Config& config);  // throws ConfigError on a bad listen address
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router, const auth::Authenticator* authenticator,
             RateLimiter& rateLimiter, Metrics& metrics, Logger log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads; returns the bound port (useful with port 0).
  std::uint16_t start();
  // Reads the TLS certificate and key again for new connections (open ones keep theirs).
  // nullopt without TLS; "" on success; else why the old certificate stays.
  std::optional<std::string> reloadTls();
  // Stops accepting, closes idle connections, lets in-flight requests finish for up to `grace`,
  // then closes everything and joins the threads.
  void stop(std::chrono::milliseconds grace);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace boxoffice
