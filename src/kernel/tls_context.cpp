#include "boxoffice/kernel/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "boxoffice/kernel/config.hpp"

namespace boxoffice {

namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" list for TLS 1.2: ECDHE key exchange, AES-GCM or ChaCha20-Poly1305.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openSslReason() {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

TlsContext::TlsContext(std::string certificateFile, std::string privateKeyFile)
    : certificateFile_(std::move(certificateFile)), privateKeyFile_(std::move(privateKeyFile)), current_(load()) {}

std::shared_ptr<ssl::context> TlsContext::load() const {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  auto* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);
  if (SSL_CTX_use_certificate_chain_file(native, certificateFile_.c_str()) != 1) {
    throw ConfigError("server.tls.certificateFile: cannot use '" + certificateFile_ + "': " + openSslReason());
  }
  if (SSL_CTX_use_PrivateKey_file(native, privateKeyFile_.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw ConfigError("server.tls.privateKeyFile: cannot use '" + privateKeyFile_ + "': " + openSslReason());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    throw ConfigError("server.tls.privateKeyFile does not belong to the certificate in server.tls.certificateFile");
  }
  return context;
}

std::shared_ptr<ssl::context> TlsContext::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::string TlsContext::reload() {
  try {
    auto fresh = load();
    std::lock_guard lock(mutex_);
    current_ = std::move(fresh);
    return {};
  } catch (const ConfigError& e) {
    return e.what();
  }
}

}  // namespace boxoffice
