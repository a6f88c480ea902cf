#include <exception>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "test_server.hpp"

namespace boxoffice::testing {

void runConcurrently(int threads, const std::function<void(int index)>& fn) {
  // Every thread waits at the latch, so the calls start as close to together as threads allow:
  // that is what makes races (double booking, duplicate registration) likely to show.
  std::latch start(threads);
  std::mutex errorMutex;
  std::exception_ptr firstError;
  std::vector<std::jthread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(errorMutex);
        if (!firstError) firstError = std::current_exception();
      }
    });
  }
  workers.clear();  // joins
  if (firstError) std::rethrow_exception(firstError);
}

}  // namespace boxoffice::testing
