#include "push_channels.hpp"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

namespace boxoffice::push {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

// The queueing every channel shares: one write at a time on the connection's strand, and at
// most one message waiting behind it (a newer message replaces the waiting one).
template <class Derived>
class ChannelBase : public http::PushChannel, public std::enable_shared_from_this<Derived> {
 public:
  void send(std::string message) override {
    if (!open_) return;
    asio::post(self().executor(), [s = this->shared_from_this(), message = std::move(message)]() mutable {
      if (!s->open_) return;
      s->waiting_ = std::move(message);
      s->pump();
    });
  }
  bool isOpen() const override { return open_; }
  void close() override {
    asio::post(self().executor(), [s = this->shared_from_this()] { s->shutdown(); });
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  void pump() {
    if (writing_ || !waiting_ || !open_) return;
    writing_ = true;
    current_ = std::move(*waiting_);
    waiting_.reset();
    self().writeFrame(current_, [s = this->shared_from_this()](beast::error_code ec, std::size_t) {
      s->writing_ = false;
      // Sent: an idle watcher holds no copy of its last document (10,000 idle watchers are the
      // memory budget's case: bench/memory_budget.py).
      s->current_ = std::string();
      s->self().written();
      if (ec) return s->shutdown();
      s->pump();
    });
  }
  void shutdown() {
    if (!open_.exchange(false)) return;
    self().closeTransport();
  }
  std::atomic<bool> open_{true};
  bool writing_ = false;
  std::optional<std::string> waiting_;
  std::string current_;
};

// The TCP layer under a plain or TLS stream: timeouts and closing happen there.
template <class Stream>
beast::tcp_stream& tcpOf(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

template <class Stream>
class SseChannel : public ChannelBase<SseChannel<Stream>> {
 public:
  explicit SseChannel(Stream stream) : stream_(std::move(stream)), heartbeat_(stream_.get_executor()) {}

  auto executor() { return stream_.get_executor(); }

  void start(const http::Headers& headers, const OnOpen& onOpen) {
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\nX-Accel-Buffering: no\r\n";
    for (const auto& [name, value] : headers) {
      if (name != "Content-Type" && name != "Content-Length")
        head.append(name).append(": ").append(value).append("\r\n");
    }
    head += "\r\n";
    this->current_ = std::move(head);
    this->writing_ = true;
    tcpOf(stream_).expires_never();
    asio::async_write(stream_, asio::buffer(this->current_),
                      [s = this->shared_from_this(), onOpen](beast::error_code ec, std::size_t) {
                        s->writing_ = false;
                        s->current_ = std::string();
                        if (ec) return s->shutdown();
                        s->watchForClose();
                        s->beat();
                        onOpen(s);
                        s->pump();
                      });
  }

  template <class Handler>
  void writeFrame(const std::string& message, Handler&& handler) {
    framed_.clear();
    if (message.empty() || message.front() == ':') {
      framed_ = message + "\n\n";  // a comment
    } else {
      std::size_t start = 0;
      while (start <= message.size()) {
        auto end = message.find('\n', start);
        framed_ += "data: " + message.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
        if (end == std::string::npos) break;
        start = end + 1;
      }
      framed_ += "\n";
    }
    tcpOf(stream_).expires_after(std::chrono::seconds(30));  // a client that stops reading is dropped
    asio::async_write(stream_, asio::buffer(framed_), std::forward<Handler>(handler));
  }
  void written() { framed_ = std::string(); }

  void closeTransport() {
    heartbeat_.cancel();
    boost::system::error_code ignored;
    tcpOf(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tcpOf(stream_).socket().close(ignored);
  }

 private:
  // The client sends nothing after its request; a completed read means it went away.
  void watchForClose() {
    stream_.async_read_some(asio::buffer(scratch_), [s = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return s->shutdown();
      s->watchForClose();
    });
  }
  void beat() {
    heartbeat_.expires_after(std::chrono::seconds(15));
    heartbeat_.async_wait([s = this->shared_from_this()](beast::error_code ec) {
      if (ec || !s->open_) return;
      if (!s->waiting_) s->waiting_ = ": keep-alive";
      s->pump();
      s->beat();
    });
  }

  Stream stream_;
  asio::steady_timer heartbeat_;
  std::string framed_;
  std::array<char, 512> scratch_{};
};

constexpr std::uint64_t kMaxClientMessageBytes = 4096;

template <class Stream>
class WebSocketChannel : public ChannelBase<WebSocketChannel<Stream>> {
 public:
  explicit WebSocketChannel(Stream stream) : ws_(std::move(stream)) {}

  auto executor() { return ws_.get_executor(); }

  void start(beast::http::request<beast::http::string_body> upgrade, const http::Headers& headers,
             const OnOpen& onOpen) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::response_type& response) {
      for (const auto& [name, value] : headers) response.set(name, value);
    }));
    ws_.text(true);
    // Clients have nothing to say on these channels (pings and the close handshake aside): a
    // message longer than this closes the connection (1009) instead of being buffered (Beast's
    // default would hold up to 16 MB per connection).
    ws_.read_message_max(kMaxClientMessageBytes);
    upgrade_ = std::move(upgrade);
    ws_.async_accept(upgrade_, [s = this->shared_from_this(), onOpen](beast::error_code ec) {
      // Only the handshake reads the upgrade request and the decorator's copy of the response
      // headers: neither is kept for the connection's life.
      s->upgrade_ = {};
      s->ws_.set_option(websocket::stream_base::decorator([](websocket::response_type&) {}));
      if (ec) return s->shutdown();
      s->readLoop();
      onOpen(s);
      s->pump();
    });
  }

  template <class Handler>
  void writeFrame(const std::string& message, Handler&& handler) {
    if (!message.empty() && message.front() == ':') {  // SSE-style comments mean nothing here
      asio::post(executor(), [h = std::forward<Handler>(handler)]() mutable { h({}, 0); });
      return;
    }
    ws_.async_write(asio::buffer(message), std::forward<Handler>(handler));
  }
  void written() {}

  void closeTransport() {
    ws_.async_close(websocket::close_code::going_away, [s = this->shared_from_this()](beast::error_code) {});
  }

 private:
  // Reading keeps pings, pongs and the close handshake going; what clients send is ignored, a
  // few bytes at a time into a small fixed buffer (async_read into a flat_buffer would reserve
  // 1.5 KB per idle watcher before anything arrives).
  void readLoop() {
    ws_.async_read_some(asio::buffer(incoming_), [s = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        s->open_ = false;
        return;
      }
      s->readLoop();
    });
  }

  websocket::stream<Stream> ws_;
  beast::http::request<beast::http::string_body> upgrade_;
  std::array<char, 64> incoming_{};
};

}  // namespace

template <class Stream>
std::shared_ptr<http::PushChannel> startServerSentEvents(Stream stream, const http::Headers& headers,
                                                         const OnOpen& onOpen) {
  auto channel = std::make_shared<SseChannel<Stream>>(std::move(stream));
  channel->start(headers, onOpen);
  return channel;
}

template <class Stream>
std::shared_ptr<http::PushChannel> startWebSocket(Stream stream, beast::http::request<beast::http::string_body> upgrade,
                                                  const http::Headers& headers, const OnOpen& onOpen) {
  auto channel = std::make_shared<WebSocketChannel<Stream>>(std::move(stream));
  channel->start(std::move(upgrade), headers, onOpen);
  return channel;
}

std::shared_ptr<http::PushChannel> openServerSentEvents(beast::tcp_stream stream, const http::Headers& headers,
                                                        const OnOpen& onOpen) {
  return startServerSentEvents(std::move(stream), headers, onOpen);
}

std::shared_ptr<http::PushChannel> openServerSentEvents(beast::ssl_stream<beast::tcp_stream> stream,
                                                        const http::Headers& headers, const OnOpen& onOpen) {
  return startServerSentEvents(std::move(stream), headers, onOpen);
}

std::shared_ptr<http::PushChannel> openWebSocket(beast::tcp_stream stream,
                                                 beast::http::request<beast::http::string_body> upgrade,
                                                 const http::Headers& headers, const OnOpen& onOpen) {
  return startWebSocket(std::move(stream), std::move(upgrade), headers, onOpen);
}

std::shared_ptr<http::PushChannel> openWebSocket(beast::ssl_stream<beast::tcp_stream> stream,
                                                 beast::http::request<beast::http::string_body> upgrade,
                                                 const http::Headers& headers, const OnOpen& onOpen) {
  return startWebSocket(std::move(stream), std::move(upgrade), headers, onOpen);
}

}  // namespace boxoffice::push
