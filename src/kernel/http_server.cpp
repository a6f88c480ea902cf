// The network side of the server, following Boost.Beast's advanced async server example:
// a listener, one session per connection on a strand, explicit limits and timeouts.
#include "boxoffice/kernel/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "boxoffice/kernel/config.hpp"
#include "push_channels.hpp"
#include "request_pipeline.hpp"

namespace boxoffice {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

ServerOptions ServerOptions::fromConfig(const Config& config) {
  ServerOptions o;
  auto listen = config.getString("server.listen");
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw ConfigError("server.listen must be HOST:PORT, got '" + listen + "'");
  o.host = listen.substr(0, colon);
  if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']') o.host = o.host.substr(1, o.host.size() - 2);
  try {
    auto port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    o.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    throw ConfigError("server.listen has a bad port: '" + listen + "'");
  }
  o.ioThreads = static_cast<int>(config.getInt("server.ioThreads"));
  o.workerThreads = static_cast<int>(config.getInt("server.workerThreads"));
  o.bodyLimitBytes = static_cast<std::size_t>(config.getInt("server.bodyLimitBytes"));
  o.headerLimitBytes = static_cast<std::size_t>(config.getInt("server.headerLimitBytes"));
  o.readTimeout = std::chrono::milliseconds(config.getInt("server.readTimeoutMs"));
  o.idleTimeout = std::chrono::milliseconds(config.getInt("server.idleTimeoutMs"));
  o.maxConnections = static_cast<int>(config.getInt("server.maxConnections"));
  o.corsAllowedOrigins = config.getStringList("cors.allowedOrigins");
  return o;
}

namespace {

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

class HttpServer::Impl {
 public:
  class Session;

  Impl(ServerOptions options, const Router& router, const auth::Authenticator* authenticator, RateLimiter& rateLimiter,
       Metrics& metrics, Logger log)
      : options_(std::move(options)),
        log_(log),
        pipeline_(router, authenticator, rateLimiter, metrics, log, options_.corsAllowedOrigins),
        metrics_(metrics),
        ioThreadCount_(options_.ioThreads > 0 ? options_.ioThreads
                                              : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()))),
        ioc_(ioThreadCount_),
        acceptor_(asio::make_strand(ioc_)),
        workers_(static_cast<std::size_t>(options_.workerThreads)) {
    metrics_.describe("http_open_connections", "gauge", "Open client connections.");
    metrics_.describe("http_connections_rejected_total", "counter",
                      "Connections closed unanswered because server.maxConnections were open.");
    metrics_.gaugeCallback("http_open_connections", [this] { return static_cast<double>(openConnections()); });
  }

  std::uint16_t start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) throw ConfigError("server.listen has a bad host: '" + options_.host + "' (use an IP address)");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                               ec.message());
    }
    acceptor_.listen(asio::socket_base::max_listen_connections);
    auto port = acceptor_.local_endpoint().port();
    accept();
    // Keeps run() going while requests are on the worker pool and nothing is pending on the
    // io_context itself (as during shutdown, once the acceptor is closed).
    work_.emplace(ioc_.get_executor());
    for (int i = 0; i < ioThreadCount_; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return port;
  }

  void stop(std::chrono::milliseconds grace) {
    if (stopped_) return;
    stopped_ = true;
    asio::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    shuttingDown_ = true;
    closeIdleSessions();
    closeChannels();
    // In-flight requests get their answers (with Connection: close) until the grace runs out.
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline && (pipeline_.inFlight() > 0 || openConnections() > 0)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      closeIdleSessions();
    }
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    workers_.join();
  }

  int openConnections() {
    std::lock_guard lock(sessionsMutex_);
    std::erase_if(channels_, [](const auto& weak) {
      auto channel = weak.lock();
      return !channel || !channel->isOpen();
    });
    return static_cast<int>(sessions_.size() + channels_.size());
  }

  // Push channels outlive their session; the server closes them on shutdown.
  void adoptChannel(const std::shared_ptr<http::PushChannel>& channel) {
    std::lock_guard lock(sessionsMutex_);
    channels_.push_back(channel);
  }

  void closeChannels() {
    std::vector<std::shared_ptr<http::PushChannel>> alive;
    {
      std::lock_guard lock(sessionsMutex_);
      for (auto& weak : channels_) {
        if (auto c = weak.lock()) alive.push_back(std::move(c));
      }
    }
    for (auto& c : alive) c->close();
  }

 private:
  void accept();
  void closeIdleSessions();

  ServerOptions options_;
  Logger log_;
  RequestPipeline pipeline_;
  Metrics& metrics_;
  int ioThreadCount_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  asio::thread_pool workers_;
  std::vector<std::thread> threads_;
  std::mutex sessionsMutex_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::vector<std::weak_ptr<http::PushChannel>> channels_;
  std::atomic<bool> shuttingDown_{false};
  bool stopped_ = false;
  friend class Session;
};

class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Impl& server)
      : stream_(std::move(socket)), server_(server), deadline_(stream_.get_executor()) {
    boost::system::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    remoteAddress_ = ec ? "unknown" : remote.address().to_string();
  }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->waitForRequest(); });
  }

  // Called from any thread during shutdown: ends the wait for a next request. Cancelling (not
  // closing) matters: a read that already completed, with its handler still queued, then goes on
  // to be answered instead of losing its response on a closed socket.
  void closeIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->idle_) return;
      boost::system::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

 private:
  // Between requests the connection is idle: wait (up to the idle timeout) for the first byte,
  // unless a pipelined request is already buffered.
  void waitForRequest() {
    if (server_.shuttingDown_) return close();
    if (buffer_.size() > 0) return readRequest();
    idle_ = true;
    arm(server_.options_.idleTimeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->idle_ = false;
      self->disarm();
      if (ec || self->timedOut_) return self->close();
      self->buffer_.commit(n);
      self->readRequest();
    });
  }

  // A request has begun: the whole of it must arrive within the read timeout.
  void readRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options_.headerLimitBytes));
    parser_->body_limit(server_.options_.bodyLimitBytes);
    headerBytes_ = 0;
    arm(server_.options_.readTimeout);
    readHeader();
  }

  // Beast applies header_limit to each parse call, not to the whole header, so the total is
  // counted here: bytes consumed before the header completes, then the assembled header itself.
  void readHeader() {
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                             if (ec) return self->onReadError(ec);
                             auto limit = self->server_.options_.headerLimitBytes;
                             if (!self->parser_->is_header_done()) {
                               self->headerBytes_ += n;
                               if (self->headerBytes_ > limit) return self->onReadError(bhttp::error::header_limit);
                               return self->readHeader();
                             }
                             const auto& header = self->parser_->get();
                             std::size_t size = header.method_string().size() + header.target().size() + 12;
                             for (const auto& field : header)
                               size += field.name_string().size() + field.value().size() + 4;
                             if (size > limit) return self->onReadError(bhttp::error::header_limit);
                             if (self->parser_->is_done()) {
                               self->disarm();
                               return self->dispatchRequest();
                             }
                             if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
                               self->sendContinue();
                             } else {
                               self->readBody();
                             }
                           });
  }

  void sendContinue() {
    auto message = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    asio::async_write(stream_, asio::buffer(*message),
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->readBody();
                      });
  }

  void readBody() {
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->disarm();
      if (ec) return self->onReadError(ec);
      self->dispatchRequest();
    });
  }

  void onReadError(beast::error_code ec) {
    disarm();
    if (timedOut_) return reject(408, "request-timeout", "Request timeout.", "The request did not arrive in time.");
    if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if (ec == bhttp::error::header_limit) {
      return reject(431, "headers-too-large", "Request header fields too large.",
                    "The headers exceed " + std::to_string(server_.options_.headerLimitBytes) + " bytes.");
    }
    if (ec == bhttp::error::body_limit) {
      return reject(413, "payload-too-large", "Payload too large.",
                    "The body exceeds " + std::to_string(server_.options_.bodyLimitBytes) + " bytes.");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return reject(400, "bad-request", "The request is malformed.", "The HTTP message could not be parsed.");
    }
    close();
  }

  // Answers without routing, then closes: after a framing error the stream cannot be trusted.
  void reject(int status, std::string slug, std::string title, std::string detail) {
    auto response = RequestPipeline::early(status, std::move(slug), std::move(title), std::move(detail));
    server_.metrics_.increment("http_requests_total",
                               {{"method", "unknown"}, {"route", "unparsed"}, {"status", std::to_string(status)}});
    timedOut_ = false;
    write(std::move(response), false);
  }

  void dispatchRequest() {
    auto message = parser_->release();
    if (beast::websocket::is_upgrade(message)) {
      upgradeRequest_ = message;
    } else {
      upgradeRequest_.reset();
    }
    http::Request request;
    request.method = toMethod(message.method());
    request.target = std::string(message.target());
    auto question = request.target.find('?');
    auto rawPath = request.target.substr(0, question);
    auto decoded = boost::urls::make_pct_string_view(rawPath);
    if (!decoded || rawPath.empty() || rawPath.front() != '/') {
      return reject(400, "bad-request", "The request is malformed.", "The request target is not a valid path.");
    }
    for (char c : **decoded) request.path.push_back(c);  // ** is the decoded view
    if (question != std::string::npos)
      request.query = http::parseQuery(std::string_view(request.target).substr(question + 1));
    for (const auto& field : message) request.headers[std::string(field.name_string())] = std::string(field.value());
    request.body = std::move(message.body());
    request.remoteAddress = remoteAddress_;
    bool keepAlive = message.keep_alive();

    // Routing, authentication and rate limiting run here (memory only); the pipeline sends the
    // handler to the worker pool unless its route declared that it never blocks.
    auto self = shared_from_this();
    server_.pipeline_.handle(
        std::move(request),
        [self, keepAlive](http::Response response) {
          asio::post(self->stream_.get_executor(), [self, keepAlive, response = std::move(response)]() mutable {
            self->write(std::move(response), keepAlive);
          });
        },
        [self](std::function<void()> job) { asio::post(self->server_.workers_, std::move(job)); });
  }

  // The connection leaves this session and becomes a push channel.
  void becomePushChannel(http::Response response) {
    disarm();
    auto onOpen = std::move(response.onOpen);
    std::shared_ptr<http::PushChannel> channel;
    if (*response.push == http::PushKind::WebSocket) {
      channel = push::openWebSocket(std::move(stream_), std::move(*upgradeRequest_), response.headers, onOpen);
    } else {
      channel = push::openServerSentEvents(std::move(stream_), response.headers, onOpen);
    }
    server_.adoptChannel(channel);
  }

  void write(http::Response response, bool keepAlive) {
    bool canPush = response.push && response.onOpen && response.status == 200 &&
                   (*response.push == http::PushKind::ServerSentEvents || upgradeRequest_);
    if (canPush && !server_.shuttingDown_) return becomePushChannel(std::move(response));
    if (server_.shuttingDown_ || response.headers.contains("Connection")) keepAlive = false;
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keepAlive);
    message->prepare_payload();
    arm(server_.options_.readTimeout * 2);  // a client that stops reading is cut off
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message, keepAlive](beast::error_code ec, std::size_t) {
                         self->disarm();
                         if (ec || !keepAlive) return self->close();
                         self->waitForRequest();
                       });
  }

  // The session's one timeout mechanism: a deadline for the current phase (idle wait, the whole
  // request, or the response write). Not beast::tcp_stream::expires_after: that closes the
  // socket when it fires, and a stalled request must still get its documented 408.
  void arm(std::chrono::milliseconds timeout) {
    timedOut_ = false;
    auto generation = ++armed_;
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      // Cancelled (the phase finished in time), or a wait of an earlier phase that had already
      // fired when it was cancelled.
      if (ec || generation != self->armed_) return;
      self->timedOut_ = true;
      boost::system::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void disarm() {
    ++armed_;
    deadline_.cancel();
  }

  void close() {
    disarm();
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

 public:
  ~Session() {
    std::lock_guard lock(server_.sessionsMutex_);
    server_.sessions_.erase(this);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  beast::tcp_stream stream_;
  Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request<bhttp::string_body>> upgradeRequest_;
  asio::steady_timer deadline_;
  std::string remoteAddress_;
  bool timedOut_ = false;
  std::uint64_t armed_ = 0;  // which arm() the pending deadline belongs to
  bool idle_ = false;
  std::size_t headerBytes_ = 0;
};

void HttpServer::Impl::accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (openConnections() >= options_.maxConnections) {
        // Over the cap: close at once rather than queue work we cannot serve.
        boost::system::error_code ignored;
        socket.close(ignored);
        metrics_.increment("http_connections_rejected_total");
      } else {
        auto session = std::make_shared<Session>(std::move(socket), *this);
        {
          std::lock_guard lock(sessionsMutex_);
          sessions_[session.get()] = session;
        }
        session->run();
      }
    } else {
      log_.warn("accept failed", {{"error", ec.message()}});
    }
    accept();
  });
}

void HttpServer::Impl::closeIdleSessions() {
  std::vector<std::shared_ptr<Session>> alive;
  {
    std::lock_guard lock(sessionsMutex_);
    for (auto& [raw, weak] : sessions_) {
      if (auto s = weak.lock()) alive.push_back(std::move(s));
    }
  }
  for (auto& s : alive) s->closeIfIdle();
}

HttpServer::HttpServer(ServerOptions options, const Router& router, const auth::Authenticator* authenticator,
                       RateLimiter& rateLimiter, Metrics& metrics, Logger log)
    : impl_(std::make_unique<Impl>(std::move(options), router, authenticator, rateLimiter, metrics, std::move(log))) {}

HttpServer::~HttpServer() {
  try {
    stop(std::chrono::milliseconds(0));
  } catch (...) {
    // A destructor must not throw; stop() only fails if joining a thread fails, and then the
    // process is ending anyway.
  }
}

std::uint16_t HttpServer::start() { return impl_->start(); }

void HttpServer::stop(std::chrono::milliseconds grace) { impl_->stop(grace); }

}  // namespace boxoffice
