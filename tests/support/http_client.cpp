// The tests' HTTP client: POSIX sockets with poll() timeouts (so a stalled server fails a test
// instead of hanging it), responses parsed incrementally by Beast's parser. Beast stays in this
// file so the other support files compile quickly.
#include "http_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace boxoffice::testing {

namespace {
std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool hasHeader(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return lower(h.first) == lower(name); });
}
}  // namespace

boost::json::value HttpResult::json() const { return boost::json::parse(body); }

std::string HttpResult::header(const std::string& lowerCaseName) const {
  auto it = headers.find(lower(lowerCaseName));
  return it == headers.end() ? std::string{} : it->second;
}

std::string formatRequest(const std::string& method, const std::string& target, const std::string& body,
                          const HeaderList& headers, std::uint16_t port) {
  std::string out = method + " " + target + " HTTP/1.1\r\n";
  if (!hasHeader(headers, "host")) out += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  bool bodyMethod = method == "POST" || method == "PUT" || method == "PATCH";
  if ((!body.empty() || bodyMethod) && !hasHeader(headers, "content-length") &&
      !hasHeader(headers, "transfer-encoding")) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

RawConnection::RawConnection(std::uint16_t port, std::chrono::milliseconds timeout, const char* sourceAddress)
    : timeout_(timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (sourceAddress) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (::inet_pton(AF_INET, sourceAddress, &source.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) {
      int error = errno;
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error(std::string("bind to ") + sourceAddress + ": " + std::strerror(error));
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::trySend(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void RawConnection::send(std::string_view bytes) {
  if (!trySend(bytes)) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
}

long RawConnection::receiveSome(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int ready = 0;
  do {
    ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) return -1;
  char chunk[16384];
  ssize_t n = 0;
  do {
    n = ::recv(fd_, chunk, sizeof chunk, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;  // EOF or reset: both mean the server closed the connection
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return n;
}

HttpResult RawConnection::readResponse(bool head) {
  namespace http = boost::beast::http;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u * 1024 * 1024);
  parser.header_limit(1024 * 1024);
  parser.eager(true);
  parser.skip(head);
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  boost::beast::error_code ec;
  bool gotBytes = false;  // Beast completes an empty message on EOF; for us that is no response
  while (!parser.is_done()) {
    if (!buffer_.empty()) {
      gotBytes = true;
      auto used = parser.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
      buffer_.erase(0, used);
      if (ec == http::error::need_more) {
        ec = {};
      } else if (ec) {
        throw std::runtime_error("malformed HTTP response: " + ec.message());
      }
      if (parser.is_done()) break;
      if (used > 0 && !buffer_.empty()) continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("timed out waiting for an HTTP response");
    auto n = receiveSome(left);
    if (n < 0) throw std::runtime_error("timed out waiting for an HTTP response");
    if (n == 0) {
      if (!gotBytes && buffer_.empty()) {
        throw std::runtime_error("connection closed before a complete HTTP response (nothing received)");
      }
      parser.put_eof(ec);
      if (ec || !parser.is_done()) {
        throw std::runtime_error("connection closed before a complete HTTP response");
      }
    }
  }
  const auto& message = parser.get();
  HttpResult result;
  result.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    auto name = lower(field.name_string());
    auto [it, inserted] = result.headers.try_emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  result.body = message.body();
  return result;
}

bool RawConnection::waitForClose(std::chrono::milliseconds timeout, std::string* received) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto before = buffer_.size();
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto n = receiveSome(left);
    if (n == 0) {
      if (received) received->append(buffer_, before);
      return true;
    }
    if (n < 0) break;
  }
  if (received) received->append(buffer_, before);
  return false;
}

std::vector<std::unique_ptr<RawConnection>> holdConnections(std::uint16_t port, int count, const char* sourceAddress) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < count; ++i) {
    held.push_back(std::make_unique<RawConnection>(port, std::chrono::seconds(5), sourceAddress));
    held.back()->send(formatRequest("GET", "/health", {}, {}, port));
    if (auto answer = held.back()->readResponse(); answer.status != 200) {
      throw std::runtime_error("held connection " + std::to_string(i) + " was answered " +
                               std::to_string(answer.status));
    }
  }
  return held;
}

}  // namespace boxoffice::testing
