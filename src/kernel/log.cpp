#include "boxoffice/kernel/log.hpp"

#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "boxoffice/kernel/time.hpp"

namespace boxoffice {

LogLevel parseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::Debug;
  if (text == "info") return LogLevel::Info;
  if (text == "warn") return LogLevel::Warn;
  if (text == "error") return LogLevel::Error;
  throw std::invalid_argument("log level must be debug, info, warn or error");
}

LogSink::LogSink(std::ostream& out, LogLevel minLevel) : out_(out), minLevel_(minLevel) {
  thread_ = std::thread([this] { run(); });
}

LogSink::~LogSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  thread_.join();
}

void LogSink::write(std::string_view line) {
  std::lock_guard lock(mutex_);
  bool wasEmpty = buffer_.empty();
  buffer_.append(line);
  buffer_.push_back('\n');
  ++written_;
  if (wasEmpty) wake_.notify_one();
}

void LogSink::flush() {
  std::unique_lock lock(mutex_);
  auto target = written_;
  wake_.notify_one();
  drained_.wait(lock, [&] { return flushed_ >= target || stopping_; });
}

void LogSink::run() {
  std::string batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return !buffer_.empty() || stopping_; });
    if (buffer_.empty() && stopping_) return;
    // Let a burst gather into one write.
    if (!stopping_) wake_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stopping_; });
    batch.swap(buffer_);
    auto upTo = written_;
    lock.unlock();
    out_.write(batch.data(), static_cast<std::streamsize>(batch.size()));
    out_.flush();
    batch.clear();
    lock.lock();
    flushed_ = upTo;
    drained_.notify_all();
  }
}

Logger::Logger(std::shared_ptr<LogSink> sink, std::string module, std::string requestId)
    : sink_(std::move(sink)), module_(std::move(module)), requestId_(std::move(requestId)) {}

Logger Logger::forModule(std::string module) const { return {sink_, std::move(module), requestId_}; }
Logger Logger::forRequest(std::string requestId) const { return {sink_, module_, std::move(requestId)}; }

void Logger::log(LogLevel level, std::string_view message, boost::json::object fields) const {
  if (!sink_ || !sink_->enabled(level)) return;
  static constexpr std::string_view names[] = {"debug", "info", "warn", "error"};
  boost::json::object line;
  line["time"] = formatRfc3339(std::chrono::system_clock::now());
  line["level"] = names[static_cast<int>(level)];
  line["message"] = message;
  line["module"] = module_;
  if (!requestId_.empty()) line["requestId"] = requestId_;
  for (auto& field : fields) line[field.key()] = std::move(field.value());
  sink_->write(boost::json::serialize(line));
}

void Logger::debug(std::string_view m, boost::json::object f) const { log(LogLevel::Debug, m, std::move(f)); }
void Logger::info(std::string_view m, boost::json::object f) const { log(LogLevel::Info, m, std::move(f)); }
void Logger::warn(std::string_view m, boost::json::object f) const { log(LogLevel::Warn, m, std::move(f)); }
void Logger::error(std::string_view m, boost::json::object f) const { log(LogLevel::Error, m, std::move(f)); }

}  // namespace boxoffice
