#pragma once
// The one way to run a background loop (sweepers, the outbox dispatcher, inbox workers, the
// inventory engine, live updates): a named thread that runs `step` again and again, with one
// stop protocol.
//
//   BackgroundWorker sweeper("sweeper", clock, log, [this] {
//     sweepOnce();
//     return std::chrono::milliseconds(1000);  // run again in a second (of `clock`'s time)
//   });
//   sweeper.start();  ...  sweeper.wake();  ...  sweeper.stop();
//
// - `step` returns how long to wait, counted from the start of that step, before it runs again,
//   or std::nullopt to wait for wake().
// - wake() makes the next step run as soon as the current one is done; wakes are not lost
//   (a wake during a step runs the step once more).
// - Waits are measured on the injected Clock: with a ManualClock, a test moves time
//   (ManualClock::advance) and the step runs, no sleeping.
// - stop() lets the running step finish, runs no further step and joins the thread. An owner
//   that must flush on shutdown does it after stop(), on its own thread (nothing races it then).
// - An exception from `step` is logged and the step runs again after `errorBackoff`.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice {

class BackgroundWorker {
 public:
  using Step = std::function<std::optional<std::chrono::milliseconds>()>;

  BackgroundWorker(std::string name, const Clock& clock, Logger log, Step step,
                   std::chrono::milliseconds errorBackoff = std::chrono::milliseconds(1000));
  ~BackgroundWorker();  // stops
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  void start();  // once
  void wake();
  void stop();  // idempotent; returns once the thread has ended
  // True once stop() was called: a long step may check it to return early.
  bool stopping() const;
  const std::string& name() const { return name_; }

 private:
  void run();
  std::string name_;
  const Clock& clock_;
  Logger log_;
  Step step_;
  std::chrono::milliseconds errorBackoff_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool woken_ = false;
  bool stopping_ = false;
  ClockSubscription clockJumps_;
  std::thread thread_;
};

}  // namespace boxoffice
