#include "tls_client.hpp"

#include <arpa/inet.h>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace boxoffice::testing {

namespace {
std::string openSslError(const std::string& what) {
  char text[256] = "unknown";
  if (auto code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return what + ": " + text;
}
}  // namespace

TlsConnection::TlsConnection(std::uint16_t port, int maxVersion, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  timeval limit{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    throw std::runtime_error("connect failed");
  }
  context_ = SSL_CTX_new(TLS_client_method());
  // Offer old versions if asked (the library's default security level would refuse them on
  // our side, and the test wants to see the server refuse).
  SSL_CTX_set_security_level(context_, 0);
  SSL_CTX_set_min_proto_version(context_, 0);
  if (maxVersion != 0) SSL_CTX_set_max_proto_version(context_, maxVersion);
  ssl_ = SSL_new(context_);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    auto why = openSslError("TLS handshake failed");
    SSL_free(ssl_);
    SSL_CTX_free(context_);
    ::close(fd_);
    throw std::runtime_error(why);
  }
}

TlsConnection::~TlsConnection() {
  if (ssl_) SSL_free(ssl_);
  if (context_) SSL_CTX_free(context_);
  if (fd_ >= 0) ::close(fd_);
}

std::string TlsConnection::protocol() const { return SSL_get_version(ssl_); }

std::string TlsConnection::peerCommonName() const {
  X509* certificate = SSL_get1_peer_certificate(ssl_);
  if (!certificate) return {};
  char name[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof name);
  X509_free(certificate);
  return name;
}

HttpResult TlsConnection::get(const std::string& target) {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) {
    throw std::runtime_error(openSslError("TLS write failed"));
  }
  namespace bhttp = boost::beast::http;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    if (!buffer_.empty()) {
      auto used = parser.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
      buffer_.erase(0, used);
      if (ec && ec != bhttp::error::need_more) throw std::runtime_error("bad response: " + ec.message());
      if (parser.is_done()) break;
    }
    char chunk[16384];
    int n = SSL_read(ssl_, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error(openSslError("TLS read failed or closed"));
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  HttpResult result;
  auto message = parser.release();
  result.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[name] = std::string(field.value());
  }
  result.body = message.body();
  return result;
}

}  // namespace boxoffice::testing
