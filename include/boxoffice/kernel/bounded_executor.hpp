#pragma once
// A small pool of threads of its own with a bounded queue, for work that must never take the
// shared request workers however much of it arrives (password hashing: ~64 MiB and a few tenths
// of a second of CPU each). trySubmit() refuses instead of waiting when the queue is full, so a
// flood costs the flooder a quick 503, not everyone a slow server.
//
// The threads may run at a lower CPU priority (a positive nice value) so that, while they are
// busy, requests served by the other threads still get the cores first.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace boxoffice {

class BoundedExecutor {
 public:
  struct Options {
    std::string name;            // thread name prefix (at most 15 characters with the index)
    int threads = 2;             // at least 1
    std::size_t queueLimit = 8;  // jobs waiting beyond the running ones; 0: none wait
    int niceness = 0;            // added to each thread's nice value (Linux); 0 leaves it
  };

  explicit BoundedExecutor(Options options);
  ~BoundedExecutor();  // runs what is queued, then joins
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `job`, or returns false when every thread is busy and the queue is full. A job's
  // exception is swallowed (callers answer their own errors inside the job).
  bool trySubmit(std::function<void()> job);

  std::size_t queued() const;
  std::size_t running() const;
  std::size_t capacity() const { return options_.queueLimit + static_cast<std::size_t>(options_.threads); }

 private:
  void run(int index);

  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace boxoffice
