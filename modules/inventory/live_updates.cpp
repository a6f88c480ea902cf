#include "live_updates.hpp"

#include <algorithm>

namespace boxoffice::inventory {

LiveUpdates::LiveUpdates(Render render, int maxPushesPerSecond, int pushBudgetPerSecond, Metrics& metrics)
    : render_(std::move(render)),
      minInterval_(1000 / std::max(1, maxPushesPerSecond)),
      budget_(std::max(1, pushBudgetPerSecond)),
      metrics_(metrics) {
  metrics_.describe("inventory_live_watchers", "gauge", "Clients watching live availability.");
  metrics_.gaugeCallback("inventory_live_watchers", [this] { return static_cast<double>(watchers()); });
  metrics_.describe("inventory_live_pushes_total", "counter", "Availability documents pushed to watchers.");
}

LiveUpdates::~LiveUpdates() { stop(); }

void LiveUpdates::watch(const std::string& eventId, std::shared_ptr<http::PushChannel> channel) {
  auto document = render_(eventId);
  if (!document.empty()) channel->send(document);
  std::lock_guard lock(mutex_);
  topics_[eventId].channels.push_back(channel);
}

void LiveUpdates::changed(const std::vector<std::string>& eventIds) {
  std::lock_guard lock(mutex_);
  bool any = false;
  for (const auto& id : eventIds) {
    auto it = topics_.find(id);
    if (it == topics_.end()) continue;
    it->second.dirty = true;
    any = true;
  }
  if (any) wake_.notify_one();
}

std::size_t LiveUpdates::watchers() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [id, topic] : topics_) count += topic.channels.size();
  return count;
}

void LiveUpdates::start() {
  thread_ = std::thread([this] { run(); });
}

void LiveUpdates::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void LiveUpdates::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    auto nextWake = now + std::chrono::seconds(5);  // also prunes closed channels now and then
    std::vector<std::pair<std::string, std::vector<std::shared_ptr<http::PushChannel>>>> due;
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
        if (now - topic.lastPush >= interval) {
          topic.dirty = false;
          topic.lastPush = now;
          due.emplace_back(it->first, std::move(alive));
        } else {
          nextWake = std::min(nextWake, topic.lastPush + interval);
        }
      }
      ++it;
    }
    if (!due.empty()) {
      lock.unlock();
      for (auto& [eventId, channels] : due) {
        auto document = render_(eventId);
        if (document.empty()) continue;
        for (auto& channel : channels) channel->send(document);
        metrics_.increment("inventory_live_pushes_total", {}, static_cast<double>(channels.size()));
      }
      lock.lock();
      continue;
    }
    wake_.wait_until(lock, nextWake);
  }
}

}  // namespace boxoffice::inventory
