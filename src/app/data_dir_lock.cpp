#include "app/data_dir_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>

#include "boxoffice/kernel/db.hpp"

namespace boxoffice::app {

DataDirLock::DataDirLock(const std::filesystem::path& dataDir) {
  std::filesystem::create_directories(dataDir);
  auto file = dataDir / "serve.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw StartupError("cannot open " + file.string() + ": " + std::strerror(errno));
  }
  // flock, not fcntl locks: it belongs to this open file, not to whichever thread or library
  // closes some other descriptor of the same file.
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw StartupError("another boxoffice serve is running on data directory " + dataDir.string() +
                         "; more than one instance needs storage.backend = postgresql");
    }
    throw StartupError("cannot lock " + file.string() + ": " + std::strerror(error));
  }
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace boxoffice::app
