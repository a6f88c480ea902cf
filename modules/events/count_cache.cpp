#include "count_cache.hpp"

namespace boxoffice::events {

std::optional<std::int64_t> CountCache::find(const std::string& key) const {
  if (capacity_ == 0) return std::nullopt;
  auto current = generation();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != current) return std::nullopt;
  return it->second.count;
}

void CountCache::put(const std::string& key, std::uint64_t generation, std::int64_t count) {
  if (capacity_ == 0 || generation != this->generation()) return;  // already stale
  std::lock_guard lock(mutex_);
  // Bounded without bookkeeping: when full, start over (filters repeat; the hot ones return).
  if (entries_.size() >= capacity_ && !entries_.contains(key)) entries_.clear();
  entries_[key] = {generation, count};
}

}  // namespace boxoffice::events
