#include "boxoffice/kernel/background_worker.hpp"

#include <pthread.h>

#include "boxoffice/kernel/error_text.hpp"

namespace boxoffice {

BackgroundWorker::BackgroundWorker(std::string name, const Clock& clock, Logger log, Step step,
                                   std::chrono::milliseconds errorBackoff)
    : name_(std::move(name)),
      clock_(clock),
      log_(std::move(log)),
      step_(std::move(step)),
      errorBackoff_(errorBackoff) {}

BackgroundWorker::~BackgroundWorker() { stop(); }

void BackgroundWorker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  // A jump of the (manual) clock may pass a deadline: re-check it at once.
  clockJumps_ = clock_.onAdvance([this] {
    std::lock_guard inner(mutex_);
    changed_.notify_all();
  });
  thread_ = std::thread([this] { run(); });
}

void BackgroundWorker::wake() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  changed_.notify_all();
}

void BackgroundWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  std::lock_guard lock(mutex_);
  clockJumps_.reset();
}

bool BackgroundWorker::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void BackgroundWorker::run() {
  // Linux limits thread names to 15 characters; they show in top, perf and gdb.
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    // The wait counts from the start of the step: a clock that moves while the step runs (a
    // test's ManualClock::advance, whose notification nobody is waiting for yet) is not missed.
    auto stepStarted = clock_.steadyNow();
    std::optional<std::chrono::milliseconds> wait;
    try {
      wait = step_();
    } catch (const std::exception& e) {
      log_.error("background step failed", {{"worker", name_}, {"error", errorText(e)}});
      wait = errorBackoff_;
    }
    lock.lock();
    if (!wait) {
      changed_.wait(lock, [this] { return woken_ || stopping_; });
      continue;
    }
    // Wait in the clock's time; the real wait is re-armed until the clock has passed the
    // deadline (a ManualClock only moves when a test advances it, and then notifies us).
    auto deadline = stepStarted + *wait;
    while (!woken_ && !stopping_) {
      auto left = deadline - clock_.steadyNow();
      if (left <= SteadyTimePoint::duration::zero()) break;
      changed_.wait_for(lock, left);
    }
  }
}

}  // namespace boxoffice
