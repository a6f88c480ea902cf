#include "websocket_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

namespace boxoffice::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct WebSocketClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  std::chrono::milliseconds timeout;

  void finish(const char* what, const beast::error_code& ec) {
    if (ec) throw std::runtime_error(std::string("websocket ") + what + ": " + ec.message());
  }
  // Runs the pending asynchronous step to its end; the TCP stream's expiry bounds it (on expiry
  // Beast closes the socket and the step fails with beast::error::timeout).
  void run() {
    ioc.restart();
    ioc.run();
  }
};

WebSocketClient::WebSocketClient(std::uint16_t port, const std::string& target, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  auto& lowest = beast::get_lowest_layer(impl_->ws);
  beast::error_code result;
  lowest.expires_after(timeout);
  lowest.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                       [&](beast::error_code ec) { result = ec; });
  impl_->run();
  impl_->finish("connect", result);
  lowest.expires_after(timeout);
  impl_->ws.async_handshake("127.0.0.1:" + std::to_string(port), target, [&](beast::error_code ec) { result = ec; });
  impl_->run();
  impl_->finish("handshake", result);
}

WebSocketClient::~WebSocketClient() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

std::string WebSocketClient::readText() {
  beast::flat_buffer buffer;
  beast::error_code result;
  beast::get_lowest_layer(impl_->ws).expires_after(impl_->timeout);
  impl_->ws.async_read(buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
  impl_->run();
  impl_->finish("read", result);
  if (!impl_->ws.got_text()) throw std::runtime_error("websocket read: a binary message, not text");
  return beast::buffers_to_string(buffer.data());
}

std::string WebSocketClient::readUntil(const std::string& needle, int maxMessages) {
  for (int i = 0; i < maxMessages; ++i) {
    auto message = readText();
    if (message.find(needle) != std::string::npos) return message;
  }
  throw std::runtime_error("websocket: no message contained " + needle);
}

}  // namespace boxoffice::testing
