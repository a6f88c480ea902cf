#pragma once
// Structured logs: one JSON object per line (time, level, message, module, requestId, fields).
// A Logger is a cheap value bound to a module and, while handling a request, to its id.
// Never pass a password, token or card number as a field.
#include <boost/json/object.hpp>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace boxoffice {

enum class LogLevel { Debug, Info, Warn, Error };
LogLevel parseLogLevel(std::string_view text);  // throws std::invalid_argument

class LogSink {
 public:
  LogSink(std::ostream& out, LogLevel minLevel) : out_(out), minLevel_(minLevel) {}
  bool enabled(LogLevel level) const { return level >= minLevel_; }
  void write(std::string_view line);

 private:
  std::mutex mutex_;
  std::ostream& out_;
  LogLevel minLevel_;
};

class Logger {
 public:
  Logger(std::shared_ptr<LogSink> sink, std::string module, std::string requestId = {});

  Logger forModule(std::string module) const;
  Logger forRequest(std::string requestId) const;
  const std::string& requestId() const { return requestId_; }

  void log(LogLevel level, std::string_view message, boost::json::object fields = {}) const;
  void debug(std::string_view message, boost::json::object fields = {}) const;
  void info(std::string_view message, boost::json::object fields = {}) const;
  void warn(std::string_view message, boost::json::object fields = {}) const;
  void error(std::string_view message, boost::json::object fields = {}) const;

 private:
  std::shared_ptr<LogSink> sink_;
  std::string module_;
  std::string requestId_;
};

}  // namespace boxoffice
