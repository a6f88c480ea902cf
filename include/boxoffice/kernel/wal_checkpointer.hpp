#pragma once
// Keeps a database's write-ahead log short without making a writer wait for it.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses `wal_autocheckpoint` pages:
// the committing thread copies about a thousand pages into the database file and fsyncs it.
// Measured in a reservation rush, that was 4-15 ms, about ten times a second, on the inventory
// engine's thread; every buyer queued behind that commit waited for it. Instead the writer's
// WAL hook only reports the log's length (committed()), and this thread checkpoints on its own
// connection:
// - PASSIVE once the log holds `checkpointPages` frames: copies what is committed into the
//   database file and takes no lock a writer or a reader needs.
// - RESTART once the log has grown to `restartPages` frames anyway. A writer that never pauses
//   never lets a passive pass finish before its next commit, and SQLite starts the log over only
//   when a transaction begins with every frame copied. RESTART takes the writer lock, copies the
//   few frames the passive pass just left over, waits for readers of the log, and lets the next
//   transaction write from the start of the log. The writer yields to it (yieldToRestart) and
//   waits, like RESTART itself, at most `restartWaitMs`. If a lock is held longer (a long
//   reader), RESTART gives up and is tried again only once the log has grown by another
//   `restartPages`: a long reader never holds writers up on every commit. The log is then
//   longer for a while; nothing is lost.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <soci/soci.h>
#include <thread>

#include "boxoffice/kernel/log.hpp"

namespace boxoffice {

class WalCheckpointer {
 public:
  struct Options {
    int checkpointPages = 1000;  // a passive checkpoint once the log holds this many frames
    int restartPages = 4000;     // a restarting checkpoint once the log holds this many
    int restartWaitMs = 20;      // how long RESTART (and meanwhile the writer) waits before it gives up
  };
  struct Stats {
    std::uint64_t passive = 0;   // passive checkpoints run
    std::uint64_t restarts = 0;  // restarting checkpoints that completed
    std::uint64_t busy = 0;      // restarting checkpoints that gave up (a lock was held too long)
    int longestLog = 0;          // the most frames a commit reported
  };
  // `connect` opens the connection the checkpoints run on (on this object's thread).
  using Connect = std::function<std::unique_ptr<soci::session>()>;

  WalCheckpointer(Options options, Connect connect, Logger log);
  ~WalCheckpointer();  // stops
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Called by the writer's WAL hook after each commit with the frames now in the log. Cheap:
  // it wakes the thread at most once per checkpoint.
  void committed(int frames);
  // Called by the writer before it begins a transaction: while a restarting checkpoint is under
  // way, waits (at most `restartWaitMs`) for it to end. A writer that takes the lock again right
  // after each commit would otherwise win every race for it, and the log would never restart.
  void yieldToRestart();
  Stats stats() const;
  // Finishes a running checkpoint and joins the thread; later commits are ignored.
  void stop();

 private:
  void run();
  void checkpoint(soci::session& session);
  // The checkpoint connection's busy handler (SQLite calls it while a lock is taken).
  static int retryBriefly(void* self, int attempts);

  Options options_;
  Connect connect_;
  Logger log_;
  std::atomic<bool> wanted_{false};
  std::atomic<bool> restarting_{false};
  std::atomic<int> longestLog_{0};
  std::atomic<std::uint64_t> passive_{0};
  std::atomic<std::uint64_t> restarts_{0};
  std::atomic<std::uint64_t> busy_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable restarted_;
  bool stopping_ = false;
  // The checkpoint thread's own: when the current restart began, and the log length at which
  // the next one is tried (restartPages, or further on after one gave up).
  std::chrono::steady_clock::time_point restartStarted_;
  int nextRestartAt_ = 0;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace boxoffice
