#pragma once
// Small helpers shared by the kernel unit tests: a temporary directory and a silent logger.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "boxoffice/kernel/log.hpp"

namespace boxoffice::test {

// A fresh directory under $TMPDIR, removed with everything in it at the end of the scope.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/boxoffice-kernel-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A logger whose lines go to a string the test can inspect.
struct CapturedLog {
  std::ostringstream out;
  std::shared_ptr<LogSink> sink = std::make_shared<LogSink>(out, LogLevel::Debug);
  Logger logger(const std::string& module = "test") const { return Logger(sink, module); }
  std::string text() const { return out.str(); }
};

}  // namespace boxoffice::test
