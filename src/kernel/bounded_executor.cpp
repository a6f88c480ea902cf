#include "boxoffice/kernel/bounded_executor.hpp"

#include <algorithm>
#include <pthread.h>

#include "boxoffice/kernel/thread_priority.hpp"

namespace boxoffice {

BoundedExecutor::BoundedExecutor(Options options) : options_(std::move(options)) {
  options_.threads = std::max(1, options_.threads);
  threads_.reserve(static_cast<std::size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { run(i); });
}

BoundedExecutor::~BoundedExecutor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

bool BoundedExecutor::trySubmit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    // A job waits only if no thread is free to take it at once.
    auto idle = static_cast<std::size_t>(options_.threads) - running_;
    if (jobs_.size() >= idle + options_.queueLimit) return false;
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

std::size_t BoundedExecutor::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

std::size_t BoundedExecutor::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

void BoundedExecutor::run(int index) {
  auto name = (options_.name + '-' + std::to_string(index)).substr(0, 15);
  pthread_setname_np(pthread_self(), name.c_str());
  lowerCurrentThreadPriority(options_.niceness);
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and everything queued has run
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    try {
      job();
    } catch (...) {
      // Jobs answer their own errors; one that escapes must not end the thread.
    }
    std::lock_guard lock(mutex_);
    --running_;
  }
}

}  // namespace boxoffice
