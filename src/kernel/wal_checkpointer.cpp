#include "boxoffice/kernel/wal_checkpointer.hpp"

#include <pthread.h>

#include "boxoffice/kernel/error_text.hpp"
#include "sqlite_handle.hpp"

namespace boxoffice {

WalCheckpointer::WalCheckpointer(Options options, Connect connect, Logger log)
    : options_(options),
      connect_(std::move(connect)),
      log_(std::move(log)),
      nextRestartAt_(options.restartPages),
      thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() { stop(); }

void WalCheckpointer::committed(int frames) {
  if (frames > longestLog_.load(std::memory_order_relaxed)) longestLog_.store(frames, std::memory_order_relaxed);
  if (frames < options_.checkpointPages || wanted_.exchange(true)) return;
  std::lock_guard lock(mutex_);
  wake_.notify_one();
}

WalCheckpointer::Stats WalCheckpointer::stats() const {
  return {passive_.load(), restarts_.load(), busy_.load(), longestLog_.load()};
}

void WalCheckpointer::yieldToRestart() {
  if (!restarting_.load()) return;
  std::unique_lock lock(mutex_);
  restarted_.wait_for(lock, std::chrono::milliseconds(options_.restartWaitMs), [this] { return !restarting_.load(); });
}

void WalCheckpointer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::run() {
  pthread_setname_np(pthread_self(), "wal-checkpoint");
  std::unique_ptr<soci::session> session;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || wanted_.load(); });
      if (stopping_) return;
    }
    wanted_.store(false);
    try {
      if (!session) {
        session = connect_();
        // Short polls instead of SQLite's default back-off (1, 2, 5, 10 ms ...): the writer is
        // waiting for this checkpoint (yieldToRestart), so the lock frees within a commit.
        sqlite_api::sqlite3_busy_handler(sqliteHandleOf(*session), &WalCheckpointer::retryBriefly, this);
      }
      checkpoint(*session);
    } catch (const std::exception& e) {
      // The next commit past the threshold tries again; meanwhile the log is only longer.
      log_.warn("WAL checkpoint failed", {{"error", errorText(e)}});
      session.reset();
    }
  }
}

void WalCheckpointer::checkpoint(soci::session& session) {
  auto* db = sqliteHandleOf(session);
  int logFrames = 0;
  int copied = 0;
  int rc = sqlite_api::sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    throw std::runtime_error(std::string("passive checkpoint: ") + sqlite_api::sqlite3_errmsg(db));
  }
  if (logFrames >= nextRestartAt_) {
    restarting_.store(true);
    restartStarted_ = std::chrono::steady_clock::now();
    rc = sqlite_api::sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, &logFrames, &copied);
    {
      std::lock_guard lock(mutex_);
      restarting_.store(false);
    }
    restarted_.notify_all();
    if (rc == SQLITE_OK) {
      restarts_.fetch_add(1);
      nextRestartAt_ = options_.restartPages;
    } else if (rc == SQLITE_BUSY) {
      // A reader (or the writer) kept its lock past restartWaitMs. Trying again on the next
      // commit would hold writers up to restartWaitMs per commit for as long as that reader
      // lasts: wait until the log has grown by another restartPages instead.
      busy_.fetch_add(1);
      nextRestartAt_ = logFrames + options_.restartPages;
      log_.debug("WAL restart gave up: a lock was held too long", {{"logFrames", logFrames}});
    } else {
      throw std::runtime_error(std::string("restarting checkpoint: ") + sqlite_api::sqlite3_errmsg(db));
    }
  }
  passive_.fetch_add(1);  // last: a reader of the stats sees the whole pass done
}

int WalCheckpointer::retryBriefly(void* self, int /*attempts*/) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (std::chrono::steady_clock::now() - checkpointer->restartStarted_ >=
      std::chrono::milliseconds(checkpointer->options_.restartWaitMs)) {
    return 0;  // give up: SQLITE_BUSY, tried again after a later commit
  }
  std::this_thread::sleep_for(std::chrono::microseconds(200));
  return 1;
}

}  // namespace boxoffice
