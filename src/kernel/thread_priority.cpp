#include "boxoffice/kernel/thread_priority.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace boxoffice {

void lowerCurrentThreadPriority(int niceness) {
  if (niceness <= 0) return;
  auto tid = static_cast<id_t>(syscall(SYS_gettid));
  static_cast<void>(setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + niceness));
}

}  // namespace boxoffice
