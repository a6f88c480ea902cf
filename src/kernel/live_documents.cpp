#include "boxoffice/kernel/live_documents.hpp"

#include <algorithm>

namespace boxoffice {

LiveDocuments::LiveDocuments(std::string name, Render render, int maxPushesPerSecond, int pushBudgetPerSecond,
                             Metrics& metrics, const Clock& clock, Logger log)
    : name_(std::move(name)),
      render_(std::move(render)),
      minInterval_(1000 / std::max(1, maxPushesPerSecond)),
      budget_(std::max(1, pushBudgetPerSecond)),
      metrics_(metrics),
      clock_(clock),
      worker_(name_, clock_, std::move(log), [this] { return step(); }) {
  metrics_.describe(name_ + "_watchers", "gauge", "Clients watching live documents (" + name_ + ").");
  metrics_.gaugeCallback(name_ + "_watchers", [this] { return static_cast<double>(watchers()); });
  metrics_.describe(name_ + "_pushes_total", "counter", "Live documents pushed to watchers (" + name_ + ").");
}

LiveDocuments::~LiveDocuments() { stop(); }

void LiveDocuments::watch(const std::string& key, std::shared_ptr<http::PushChannel> channel,
                          std::optional<std::string> current) {
  auto document = current ? std::move(*current) : render_(key);
  if (!document.empty()) channel->send(document);
  std::lock_guard lock(mutex_);
  topics_[key].channels.push_back(channel);
}

void LiveDocuments::changed(const std::vector<std::string>& keys) {
  bool any = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : keys) {
      auto it = topics_.find(id);
      if (it == topics_.end()) continue;
      it->second.dirty = true;
      any = true;
    }
  }
  if (any) worker_.wake();
}

std::size_t LiveDocuments::watchers() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [id, topic] : topics_) count += topic.channels.size();
  return count;
}

void LiveDocuments::start() { worker_.start(); }

void LiveDocuments::stop() { worker_.stop(); }

std::optional<std::chrono::milliseconds> LiveDocuments::step() {
  std::vector<std::pair<std::string, std::vector<std::shared_ptr<http::PushChannel>>>> due;
  auto now = clock_.steadyNow();
  auto nextWake = now + std::chrono::seconds(5);  // also prunes closed channels now and then
  {
    std::lock_guard lock(mutex_);
    for (auto it = topics_.begin(); it != topics_.end();) {
      auto& topic = it->second;
      std::vector<std::shared_ptr<http::PushChannel>> alive;
      for (auto& weak : topic.channels) {
        if (auto channel = weak.lock(); channel && channel->isOpen()) alive.push_back(std::move(channel));
      }
      topic.channels.assign(alive.begin(), alive.end());
      if (alive.empty()) {
        it = topics_.erase(it);
        continue;
      }
      // Many watchers stretch the interval so the total stays within the budget.
      auto interval =
          std::max(minInterval_, std::chrono::milliseconds(1000 * static_cast<long>(alive.size()) / budget_));
      if (topic.dirty) {
        if (!topic.lastPush || now - *topic.lastPush >= interval) {
          topic.dirty = false;
          topic.lastPush = now;
          due.emplace_back(it->first, std::move(alive));
        } else {
          nextWake = std::min(nextWake, *topic.lastPush + interval);
        }
      }
      ++it;
    }
  }
  if (due.empty()) return std::chrono::ceil<std::chrono::milliseconds>(nextWake - now);
  // Sent outside the lock: a slow watcher never blocks changed() (the engine's thread).
  for (auto& [eventId, channels] : due) {
    auto document = render_(eventId);
    if (document.empty()) continue;
    for (auto& channel : channels) channel->send(document);
    metrics_.increment(name_ + "_pushes_total", {}, static_cast<double>(channels.size()));
  }
  return std::chrono::milliseconds(0);  // look again at once: more may have changed meanwhile
}

}  // namespace boxoffice
