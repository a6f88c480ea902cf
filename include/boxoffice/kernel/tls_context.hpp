#pragma once
// Built-in TLS for the single-machine case: the server certificate (chain) and private key, as an
// OpenSSL context for new connections. TLS 1.2 and 1.3 only, forward-secret AEAD ciphers for
// 1.2 (1.3's are all such). reload() reads the files again (SIGHUP, after a renewal): new
// connections get the new certificate, open ones keep theirs, and a reload that fails (a
// half-written file) keeps the old context and says why.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

namespace boxoffice {

class TlsContext {
 public:
  // Throws ConfigError naming the file and OpenSSL's reason when a file cannot be used.
  TlsContext(std::string certificateFile, std::string privateKeyFile);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Empty on success, else why the old context stays.
  std::string reload();

 private:
  std::shared_ptr<boost::asio::ssl::context> load() const;

  std::string certificateFile_;
  std::string privateKeyFile_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace boxoffice
