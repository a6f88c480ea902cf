#pragma once
// A WebSocket client for tests (Boost.Beast): connects to 127.0.0.1, performs the upgrade
// handshake and reads text messages, every step bounded by a timeout.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boxoffice::testing {

class WebSocketClient {
 public:
  // Connects and upgrades `target` (e.g. "/api/v1/inventory/<id>/status"); throws if the server
  // refuses the upgrade or does not answer within `timeout`.
  WebSocketClient(std::uint16_t port, const std::string& target,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // The next text message; throws on timeout or when the connection ends.
  std::string readText();
  // Reads messages until one contains `needle` and returns it; throws on timeout or close.
  std::string readUntil(const std::string& needle, int maxMessages = 20);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace boxoffice::testing
