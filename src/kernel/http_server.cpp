// The network side of the server, following Boost.Beast's advanced async server example:
// a listener, one session per connection on a strand, explicit limits and timeouts.
#include "boxoffice/kernel/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "boxoffice/kernel/client_network.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/tls_context.hpp"
#include "boxoffice/kernel/trusted_proxies.hpp"
#include "push_channels.hpp"
#include "request_pipeline.hpp"
#include "wire_request.hpp"

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
  o.maxConnectionsPerClient = static_cast<int>(config.getInt("server.maxConnectionsPerClient"));
  o.reservedConnections = static_cast<int>(config.getInt("server.reservedConnections"));
  o.firstRequestTimeout = std::chrono::milliseconds(config.getInt("server.firstRequestTimeoutMs"));
  o.trustedProxies = config.getStringList("server.trustedProxies");
  o.tlsCertificateFile = config.getString("server.tls.certificateFile");
  o.tlsPrivateKeyFile = config.getString("server.tls.privateKeyFile");
  if (o.tlsCertificateFile.empty() != o.tlsPrivateKeyFile.empty()) {
    throw ConfigError("server.tls.certificateFile and server.tls.privateKeyFile go together: set both or neither");
  }
  if (!o.tlsCertificateFile.empty()) TlsContext checked(o.tlsCertificateFile, o.tlsPrivateKeyFile);  // fail early
  TrustedProxies proxies(o.trustedProxies);  // a bad entry stops the start here, naming it
  o.corsAllowedOrigins = config.getStringList("cors.allowedOrigins");
  return o;
}

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

}  // namespace

class HttpServer::Impl {
 public:
  // What the server needs of a session whatever its transport: a way to end its idle wait.
  class SessionBase {
   public:
    virtual ~SessionBase() = default;
    virtual void run() = 0;
    virtual void closeIfIdle() = 0;
  };
  template <class Stream>
  class Session;

  // One open connection counted against its client network; released when the last holder (the
  // session, or the push channel it became) lets go.
  class ClientSlot {
   public:
    ClientSlot(Impl& server, std::string network) : server_(server), network_(std::move(network)) {}
    ~ClientSlot() { server_.releaseClient(network_); }
    ClientSlot(const ClientSlot&) = delete;
    ClientSlot& operator=(const ClientSlot&) = delete;

   private:
    Impl& server_;
    std::string network_;
  };

  struct AdoptedChannel {
    std::weak_ptr<http::PushChannel> channel;
    std::shared_ptr<ClientSlot> slot;
  };

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
        workers_(static_cast<std::size_t>(options_.workerThreads)),
        trustedProxies_(options_.trustedProxies) {
    if (!options_.tlsCertificateFile.empty()) {
      tls_ = std::make_unique<TlsContext>(options_.tlsCertificateFile, options_.tlsPrivateKeyFile);
    }
    metrics_.describe("http_open_connections", "gauge", "Open client connections.");
    metrics_.describe("http_connections_rejected_total", "counter",
                      "Connections closed unanswered at accept, by reason: server full (maxConnections plus the "
                      "reserved probe slots) or per_client (maxConnectionsPerClient).");
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
    std::vector<AdoptedChannel> closed;  // their client slots are released outside the lock
    std::lock_guard lock(sessionsMutex_);
    return openConnectionsLocked(closed);
  }

  // Push channels outlive their session (and keep its client slot); the server closes them on
  // shutdown.
  void adoptChannel(const std::shared_ptr<http::PushChannel>& channel, std::shared_ptr<ClientSlot> slot) {
    std::lock_guard lock(sessionsMutex_);
    channels_.push_back({channel, std::move(slot)});
  }

  void closeChannels() {
    std::vector<std::shared_ptr<http::PushChannel>> alive;
    {
      std::lock_guard lock(sessionsMutex_);
      for (auto& adopted : channels_) {
        if (auto c = adopted.channel.lock()) alive.push_back(std::move(c));
      }
    }
    for (auto& c : alive) c->close();
  }

  std::optional<std::string> reloadTls() {
    if (!tls_) return std::nullopt;
    return tls_->reload();
  }

  void releaseClient(const std::string& network) {
    std::lock_guard lock(clientsMutex_);
    auto it = perClient_.find(network);
    if (it != perClient_.end() && --it->second <= 0) perClient_.erase(it);
  }

 private:
  void accept();
  void admit(tcp::socket socket);
  void closeIdleSessions();

  int openConnectionsLocked(std::vector<AdoptedChannel>& closed) {
    auto dead = std::stable_partition(channels_.begin(), channels_.end(), [](const AdoptedChannel& adopted) {
      auto channel = adopted.channel.lock();
      return channel && channel->isOpen();
    });
    std::move(dead, channels_.end(), std::back_inserter(closed));
    channels_.erase(dead, channels_.end());
    return static_cast<int>(sessions_.size() + channels_.size());
  }

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
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
  std::vector<AdoptedChannel> channels_;
  TrustedProxies trustedProxies_;
  std::unique_ptr<TlsContext> tls_;  // null: plain HTTP
  std::mutex clientsMutex_;
  std::unordered_map<std::string, int> perClient_;  // open connections per client network
  std::atomic<bool> shuttingDown_{false};
  bool stopped_ = false;
  template <class Stream>
  friend class Session;
};

// One connection, plain (beast::tcp_stream) or TLS (beast::ssl_stream over it).
template <class Stream>
class HttpServer::Impl::Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  // `probesOnly`: accepted into a reserved slot beyond maxConnections, for /health, /ready and
  // /metrics only, one request.
  Session(Stream stream, Impl& server, std::string peerAddress, std::shared_ptr<ClientSlot> slot, bool probesOnly,
          std::shared_ptr<asio::ssl::context> tlsContext)
      : tlsContext_(std::move(tlsContext)),
        stream_(std::move(stream)),
        server_(server),
        deadline_(stream_.get_executor()),
        remoteAddress_(std::move(peerAddress)),
        slot_(std::move(slot)),
        probesOnly_(probesOnly) {}

  void run() override {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->waitForRequest();
      }
    });
  }

  // Called from any thread during shutdown: ends the wait for a next request. Cancelling (not
  // closing) matters: a read that already completed, with its handler still queued, then goes on
  // to be answered instead of losing its response on a closed socket.
  void closeIfIdle() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->idle_) return;
      boost::system::error_code ignored;
      self->socket().cancel(ignored);
    });
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  // TLS first, within the time a new connection has for its first request.
  void handshake() {
    arm(server_.options_.firstRequestTimeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      self->disarm();
      if (ec || self->timedOut_) return self->close();  // not TLS, too slow, or a bad hello
      self->waitForRequest();
    });
  }

  // Between requests the connection is idle: wait (up to the idle timeout) for the first byte,
  // unless a pipelined request is already buffered.
  void waitForRequest() {
    if (server_.shuttingDown_) return close();
    if (buffer_.size() > 0) return readRequest();
    idle_ = true;
    // Until a connection has asked something it is not a client yet: a short wait. After a
    // response, keep-alive's longer one.
    arm(servedAny_ ? server_.options_.idleTimeout : server_.options_.firstRequestTimeout);
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
    bool keepAlive = message.keep_alive() && !probesOnly_;
    // Routing works on the path as sent and decodes each parameter after matching, so escapes
    // must be well formed; "%2F" never turns into a separator.
    auto parsed = requestFromWire(std::move(message));
    if (!parsed) {
      return reject(400, "bad-request", "The request is malformed.", "The request target is not a valid path.");
    }
    auto& request = *parsed;
    auto client = server_.trustedProxies_.resolve(remoteAddress_, request.headers, kTls ? "https" : "http");
    request.remoteAddress = std::move(client.address);
    request.scheme = std::move(client.scheme);
    servedAny_ = true;
    if (probesOnly_ && request.path != "/health" && request.path != "/ready" && request.path != "/metrics") {
      return reject(503, "server-busy", "The server is at its connection limit.",
                    "Only /health, /ready and /metrics are answered on this connection; retry later.");
    }

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
    server_.adoptChannel(channel, slot_);
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
    // Over TLS, browsers are told to use nothing else for this host (RFC 6797).
    if constexpr (kTls) message->set(bhttp::field::strict_transport_security, "max-age=31536000");
    message->keep_alive(keepAlive);
    // A HEAD answer carries the GET body's Content-Length (set by the pipeline) and no body;
    // prepare_payload would set it to the empty body's 0.
    if (!message->body().empty() || !response.headers.contains("Content-Length")) message->prepare_payload();
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
      self->socket().cancel(ignored);
    });
  }

  void disarm() {
    ++armed_;
    deadline_.cancel();
  }

  void close() {
    disarm();
    boost::system::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_send, ignored);
    socket().close(ignored);
  }

 public:
  ~Session() override {
    std::lock_guard lock(server_.sessionsMutex_);
    server_.sessions_.erase(this);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  std::shared_ptr<asio::ssl::context> tlsContext_;  // TLS: outlives the stream that uses it
  Stream stream_;
  Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request<bhttp::string_body>> upgradeRequest_;
  asio::steady_timer deadline_;
  std::string remoteAddress_;  // the TCP peer
  std::shared_ptr<ClientSlot> slot_;
  bool probesOnly_ = false;
  bool servedAny_ = false;
  bool timedOut_ = false;
  std::uint64_t armed_ = 0;  // which arm() the pending deadline belongs to
  bool idle_ = false;
  std::size_t headerBytes_ = 0;
};

void HttpServer::Impl::accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      admit(std::move(socket));
    } else {
      log_.warn("accept failed", {{"error", ec.message()}});
    }
    accept();
  });
}

// Over a cap the connection is closed at once rather than queued: work we cannot serve.
void HttpServer::Impl::admit(tcp::socket socket) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  auto peerAddress = peer.address().to_string();
  auto refuse = [&](const char* reason) {
    boost::system::error_code ignored;
    socket.close(ignored);
    metrics_.increment("http_connections_rejected_total", {{"reason", reason}});
  };

  auto network = clientNetwork(peerAddress);
  bool proxy = trustedProxies_.contains(peerAddress);
  {
    std::lock_guard lock(clientsMutex_);
    auto& count = perClient_[network];
    if (!proxy && count >= options_.maxConnectionsPerClient) {
      if (count == 0) perClient_.erase(network);
      return refuse("per_client");
    }
    ++count;
  }
  auto slot = std::make_shared<ClientSlot>(*this, network);  // from here on, released by its holders

  std::vector<AdoptedChannel> closed;  // released after the lock
  std::shared_ptr<SessionBase> session;
  {
    std::lock_guard lock(sessionsMutex_);
    int open = openConnectionsLocked(closed);
    if (open >= options_.maxConnections + options_.reservedConnections) {
      slot.reset();
      closed.clear();
      return refuse("full");
    }
    bool probesOnly = open >= options_.maxConnections;
    if (tls_) {
      auto context = tls_->current();  // kept by the session: a reload does not pull it away
      session = std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *context), *this,
                                                     std::move(peerAddress), slot, probesOnly, context);
    } else {
      session = std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), *this,
                                                             std::move(peerAddress), slot, probesOnly, nullptr);
    }
    sessions_[session.get()] = session;
  }
  session->run();
}

void HttpServer::Impl::closeIdleSessions() {
  std::vector<std::shared_ptr<SessionBase>> alive;
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

std::optional<std::string> HttpServer::reloadTls() { return impl_->reloadTls(); }

void HttpServer::stop(std::chrono::milliseconds grace) { impl_->stop(grace); }

}  // namespace boxoffice
