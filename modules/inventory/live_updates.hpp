#pragma once
// Live availability: clients watching an event (WebSocket or SSE) get its availability
// document whenever it changes, coalesced. A notifier worker, not the engine, does the sending,
// so watchers never slow a reservation down: the engine only marks an event dirty.
//
// Rate: at most `maxPushesPerSecond` per event. With many watchers the interval stretches so
// the total stays within `pushBudgetPerSecond` messages a second (e.g. 20,000 watchers of one
// event and a budget of 20,000 give one push a second).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice::inventory {

class LiveUpdates {
 public:
  using Render = std::function<std::string(const std::string& eventId)>;  // "" if no such event
  LiveUpdates(Render render, int maxPushesPerSecond, int pushBudgetPerSecond, Metrics& metrics, const Clock& clock,
              Logger log);
  ~LiveUpdates();
  LiveUpdates(const LiveUpdates&) = delete;
  LiveUpdates& operator=(const LiveUpdates&) = delete;

  // Sends the current document at once, then every change.
  void watch(const std::string& eventId, std::shared_ptr<http::PushChannel> channel);
  void changed(const std::vector<std::string>& eventIds);
  void start();
  void stop();
  std::size_t watchers() const;

 private:
  struct Topic {
    std::vector<std::weak_ptr<http::PushChannel>> channels;
    std::optional<SteadyTimePoint> lastPush;  // none yet: the first change goes out at once
    bool dirty = false;
  };
  // One worker step: pushes every dirty topic whose interval has passed; returns when to look again.
  std::optional<std::chrono::milliseconds> step();
  Render render_;
  std::chrono::milliseconds minInterval_;
  int budget_;
  Metrics& metrics_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Topic> topics_;
  // Declared last: it stops (joins) before the topics its step reads are destroyed.
  BackgroundWorker worker_;
};

}  // namespace boxoffice::inventory
