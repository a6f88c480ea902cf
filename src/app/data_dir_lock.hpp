#pragma once
// One `boxoffice serve` per SQLite data directory. Each module's file has one writer per
// process, and the inventory engine decides seats in that process's memory: a second process on
// the same files would decide on a copy of its own and oversell. So `serve` on SQLite holds an
// exclusive lock on <storage.dataDir>/serve.lock for as long as it runs, and a second one stops
// at start with a message. The kernel releases the lock when the process ends in any way
// (kill -9 included), so a restart after a crash is never refused. Other commands (migrate,
// users add, audit ...) do not take it.
#include <filesystem>

namespace boxoffice::app {

class DataDirLock {
 public:
  // Creates the directory and the lock file if missing. Throws StartupError if another process
  // holds the lock.
  explicit DataDirLock(const std::filesystem::path& dataDir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace boxoffice::app
