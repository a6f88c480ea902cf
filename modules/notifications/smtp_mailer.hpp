#pragma once
// Email over SMTP through libcurl. One easy handle is kept, so consecutive sends from the sender
// thread reuse one connection where the server allows. Not thread-safe: the sender thread owns it.
#include <memory>
#include <optional>
#include <string>

namespace boxoffice::notifications {

struct SmtpSettings {
  std::string host;
  int port = 25;
  std::string security = "none";  // none | starttls | tls
  std::string username;
  std::string password;
  std::string from;
  long connectTimeoutMs = 5000;
  long timeoutMs = 15000;
};

struct Email {
  std::string messageId;  // without angle brackets: deliveryId@host-of-from
  std::string to;
  std::string subject;
  std::string text;
  std::string html;
  std::string language;
  std::string unsubscribeUrl;
  std::int64_t dateUnixSeconds = 0;
};

// The whole RFC 5322 message (CRLF line ends). Header values have CR/LF removed; a non-ASCII
// subject is RFC 2047 encoded; bodies are base64 so long lines and any bytes are safe.
std::string buildMime(const SmtpSettings& settings, const Email& email);
std::string encodeHeaderWord(const std::string& raw);
std::string domainOf(const std::string& address);

class SmtpMailer {
 public:
  explicit SmtpMailer(SmtpSettings settings);
  ~SmtpMailer();
  SmtpMailer(const SmtpMailer&) = delete;
  SmtpMailer& operator=(const SmtpMailer&) = delete;
  // std::nullopt when the server accepted the message, else the error.
  std::optional<std::string> send(const Email& email);

 private:
  struct Handle;
  SmtpSettings settings_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace boxoffice::notifications
