#pragma once
// Structured logs: one JSON object per line (time, level, message, module, requestId, fields).
// A Logger is a cheap value bound to a module and, while handling a request, to its id.
// Never pass a password, token or card number as a field.
#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

namespace boxoffice {

enum class LogLevel { Debug, Info, Warn, Error };
LogLevel parseLogLevel(std::string_view text);  // throws std::invalid_argument

// Where log lines go. Writers only append to a buffer; one thread writes the buffer out in
// batches (within ~20 ms, and everything on destruction), so a request never waits on a write
// system call. The price: a kill -9 can lose the last few milliseconds of lines.
class LogSink {
 public:
  LogSink(std::ostream& out, LogLevel minLevel);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;
  bool enabled(LogLevel level) const { return level >= minLevel_; }
  void write(std::string_view line);
  void flush();  // returns once everything written so far is out

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::string buffer_;
  std::uint64_t written_ = 0;  // lines appended
  std::uint64_t flushed_ = 0;  // lines handed to the stream
  bool stopping_ = false;
  std::ostream& out_;
  LogLevel minLevel_;
  std::thread thread_;
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
