#pragma once
// A real module database in a fresh temporary directory, migrated, removed afterwards, with a
// log that a test can read. Header-only: module unit tests include it without linking the
// integration support library.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <sstream>
#include <string>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "temp_dir.hpp"

namespace boxoffice::test_support {

class TempDatabase {
 public:
  TempDatabase(const std::string& module, std::span<const Migration> migrations) : log{sink, module} {
    dir = makeTempDir("bx-" + module);
    db = std::make_unique<Database>(Database::Options{dir / (module + ".db"), module}, log);
    db->migrate(migrations);
  }
  ~TempDatabase() {
    db.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  // The sink writes asynchronously: flush before reading what was logged.
  std::string logs() {
    sink->flush();
    return logText.str();
  }

  std::filesystem::path dir;
  std::ostringstream logText;
  std::shared_ptr<LogSink> sink = std::make_shared<LogSink>(logText, LogLevel::Debug);
  Logger log;
  std::unique_ptr<Database> db;
};

}  // namespace boxoffice::test_support
