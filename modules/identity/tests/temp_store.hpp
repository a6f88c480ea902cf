#pragma once
// A real identity database in a fresh temporary directory, migrated, removed afterwards.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice::identity::testing {

struct TempStore {
  std::filesystem::path dir;
  std::ostringstream logText;
  std::shared_ptr<LogSink> sink = std::make_shared<LogSink>(logText, LogLevel::Debug);
  // The sink writes asynchronously: flush before reading what was logged.
  std::string logs() {
    sink->flush();
    return logText.str();
  }
  Logger log{sink, "identity"};
  std::unique_ptr<Database> db;

  TempStore() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bx-identity-XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
    db = std::make_unique<Database>(Database::Options{dir / "identity.db", "identity"}, log);
    db->migrate(embeddedMigrations());
  }
  ~TempStore() {
    db.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;
};

}  // namespace boxoffice::identity::testing
