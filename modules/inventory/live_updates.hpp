#pragma once
// Live availability: clients watching an event (WebSocket or SSE) get its availability
// document whenever it changes, coalesced. A notifier thread, not the engine, does the sending,
// so watchers never slow a reservation down: the engine only marks an event dirty.
//
// Rate: at most `maxPushesPerSecond` per event. With many watchers the interval stretches so
// the total stays within `pushBudgetPerSecond` messages a second (e.g. 20,000 watchers of one
// event and a budget of 20,000 give one push a second).
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice::inventory {

class LiveUpdates {
 public:
  using Render = std::function<std::string(const std::string& eventId)>;  // "" if no such event
  LiveUpdates(Render render, int maxPushesPerSecond, int pushBudgetPerSecond, Metrics& metrics);
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
    std::chrono::steady_clock::time_point lastPush{};
    bool dirty = false;
  };
  void run();
  Render render_;
  std::chrono::milliseconds minInterval_;
  int budget_;
  Metrics& metrics_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Topic> topics_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace boxoffice::inventory
