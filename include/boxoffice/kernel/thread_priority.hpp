#pragma once
// Lowers the calling thread's CPU priority: for work that may lag behind a rush (password
// hashing) so that it does not take the cores from the requests buyers wait for. Not for a
// thread that holds a lock others wait on (an inbox worker holds its database's write lock).

namespace boxoffice {

// Adds `niceness` (0-19) to the calling thread's nice value. Linux applies nice per thread, so
// only this thread slows down. A failure (a sandbox without the permission) leaves the thread
// at the process's priority, which is harmless.
void lowerCurrentThreadPriority(int niceness);

}  // namespace boxoffice
