#pragma once
// Small helpers shared by the kernel unit tests: a temporary directory and a captured logger.
#include <memory>
#include <sstream>
#include <string>

#include "boxoffice/kernel/log.hpp"
#include "support/temp_dir.hpp"

namespace boxoffice::test {

using test_support::TempDir;  // support/temp_dir.hpp

// A logger whose lines go to a string the test can inspect.
struct CapturedLog {
  std::ostringstream out;
  std::shared_ptr<LogSink> sink = std::make_shared<LogSink>(out, LogLevel::Debug);
  Logger logger(const std::string& module = "test") const { return Logger(sink, module); }
  // The sink writes on its own thread: flush first, or a line logged just now may be missing.
  std::string text() const {
    sink->flush();
    return out.str();
  }
};

}  // namespace boxoffice::test
