#pragma once
// Sends an HTTP request another instance should answer (a seat command for the instance that
// owns the seats) and relays its answer: the client's own headers that matter to the API, who
// the client is (Forwarded: for=...; the receiving instance believes it only from addresses in
// its server.trustedProxies), and which instance forwarded it.
//
// Requests run on a pool of its own threads with a bounded queue: a flood of forwards costs the
// flooders a quick 503, never the request workers. Connections to the owner are kept alive and
// reused (one per thread).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/bounded_executor.hpp"
#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice::app {

class PeerForwarder {
 public:
  struct Options {
    std::string instanceId;  // sent in inventory::kForwardedByHeader
    std::chrono::milliseconds timeout{5000};
    int threads = 8;
    std::size_t queueLimit = 256;
  };
  using Answer = std::function<void(std::optional<http::Response>)>;

  PeerForwarder(Options options, Metrics& metrics, Logger log);
  ~PeerForwarder();
  PeerForwarder(const PeerForwarder&) = delete;
  PeerForwarder& operator=(const PeerForwarder&) = delete;

  // Sends `request` to the base URL (http://host:port) `resolve` returns, plus the request's
  // target. `resolve` runs on a forwarding thread (it may read the database); empty: no one to
  // send to. `answer` gets the response, or nullopt when there was no one to send to, the peer
  // could not be reached or did not answer within the timeout, or too many forwards are waiting
  // already. Returns at once.
  void forward(std::function<std::string()> resolve, const http::Request& request, Answer answer);
  // Answers what waits with nullopt, lets the running forwards end (each within the timeout) and
  // refuses new ones. Before what `resolve` reads goes away.
  void stop();

 private:
  struct Handles;  // idle libcurl handles, kept for their connections
  std::optional<http::Response> send(const std::string& url, const http::Request& request);

  Options options_;
  Metrics& metrics_;
  Logger log_;
  std::unique_ptr<Handles> handles_;
  std::atomic<std::int64_t> lastFailureLogged_{0};  // steady clock ticks
  std::atomic<bool> stopping_{false};
  std::unique_ptr<BoundedExecutor> executor_;  // last: its threads stop before what they use goes
};

}  // namespace boxoffice::app
