#pragma once
// A real SMTP server for tests: tests/support/smtp_server.py (aiosmtpd) as a child process on
// 127.0.0.1, each received message stored as JSON in a temp directory. stop() and start() take
// the server down and bring it back on the same port (received messages are kept).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace boxoffice::testing {

class SmtpServer {
 public:
  struct Options {
    int dataDelayMs = 0;         // keep the message, then wait this long before answering DATA
    bool rejectAll = false;      // answer 550 to every message
    std::string user, password;  // non-empty: AUTH required (without TLS)
  };
  SmtpServer();
  explicit SmtpServer(Options options);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  std::uint16_t port() const { return port_; }
  void stop();   // the port refuses connections (SMTP down)
  void start();  // serves again on the same port; messages received so far are kept

  struct Mail {
    std::string from;
    std::vector<std::string> to;
    std::map<std::string, std::string> headers;  // lower-case names, RFC 2047-decoded values
    std::string text, html, raw;
    std::string peer;  // the client's address:port (tells connections apart)
  };
  std::vector<Mail> messages() const;
  // Waits until at least `count` messages arrived; returns them (CHECK the size yourself).
  std::vector<Mail> waitForMessages(std::size_t count,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;

 private:
  Options options_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int starts_ = 0;
};

}  // namespace boxoffice::testing
