#pragma once
// Live documents: clients watching a key (an event's availability, its check-in statistics) over
// WebSocket or SSE get its document whenever it changes, coalesced. A notifier worker, not the
// writer, does the sending, so watchers never slow a write down: the writer only marks a key
// dirty.
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

namespace boxoffice {

class LiveDocuments {
 public:
  using Render = std::function<std::string(const std::string& key)>;  // "" if there is no such document
  // `name` prefixes the worker and the metrics (`<name>_watchers`, `<name>_pushes_total`):
  // "inventory_live", "tickets_live".
  LiveDocuments(std::string name, Render render, int maxPushesPerSecond, int pushBudgetPerSecond, Metrics& metrics,
                const Clock& clock, Logger log);
  ~LiveDocuments();
  LiveDocuments(const LiveDocuments&) = delete;
  LiveDocuments& operator=(const LiveDocuments&) = delete;

  // Sends the current document at once (`current` when the caller has it: rendering may read a
  // database, and watch runs on an io thread), then every change.
  void watch(const std::string& key, std::shared_ptr<http::PushChannel> channel,
             std::optional<std::string> current = std::nullopt);
  void changed(const std::vector<std::string>& keys);
  void start();
  void stop();
  std::size_t watchers() const;

 private:
  struct Topic {
    std::vector<std::weak_ptr<http::PushChannel>> channels;
    std::optional<SteadyTimePoint> lastPush;  // none yet: the first change goes out at once
    bool dirty = false;
  };
  // One worker step: pushes every dirty key whose interval has passed; returns when to look again.
  std::optional<std::chrono::milliseconds> step();
  std::string name_;
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

}  // namespace boxoffice
