#include "document_cache.hpp"

#include <mutex>

namespace boxoffice::events {

DocumentCache::DocumentPtr DocumentCache::find(const std::unordered_map<std::string, DocumentPtr>& map,
                                               const std::string& key) const {
  if (!enabled()) return nullptr;
  DocumentPtr found;
  {
    std::shared_lock lock(mutex_);
    if (auto it = map.find(key); it != map.end()) found = it->second;
  }
  (found ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return found;
}

DocumentCache::DocumentPtr DocumentCache::event(const std::string& id) const { return find(events_, id); }

DocumentCache::DocumentPtr DocumentCache::page(const std::string& key) const { return find(pages_, key); }

void DocumentCache::put(std::unordered_map<std::string, DocumentPtr>& map, std::size_t capacity, const std::string& key,
                        std::uint64_t stamp, DocumentPtr document) {
  if (capacity == 0 || !document) return;
  std::unordered_map<std::string, DocumentPtr> dropped;  // freed after the lock is released
  std::unique_lock lock(mutex_);
  // Under the lock the drops take: a commit after `stamp` has either bumped it already (then
  // the document may be older than that commit and is not kept), or its drop comes after us.
  if (stamp != stamp_.load(std::memory_order_acquire)) return;
  if (map.size() >= capacity && !map.contains(key)) dropped.swap(map);  // full: start over (see the header)
  map.insert_or_assign(key, std::move(document));
}

void DocumentCache::putEvent(const std::string& id, std::uint64_t stamp, DocumentPtr document) {
  put(events_, eventCapacity_, id, stamp, std::move(document));
}

void DocumentCache::putPage(const std::string& key, std::uint64_t stamp, DocumentPtr document) {
  put(pages_, pageCapacity_, key, stamp, std::move(document));
}

void DocumentCache::eventsChanged(const std::vector<std::string>& ids) {
  // The bump comes first: a filler that read the store before this commit can no longer store.
  stamp_.fetch_add(1, std::memory_order_acq_rel);
  std::unordered_map<std::string, DocumentPtr> dropped;  // freed after the lock is released
  std::unique_lock lock(mutex_);
  for (const auto& id : ids) events_.erase(id);
  dropped.swap(pages_);
}

void DocumentCache::allChanged() {
  stamp_.fetch_add(1, std::memory_order_acq_rel);
  std::unordered_map<std::string, DocumentPtr> droppedEvents;  // freed after the lock is released
  std::unordered_map<std::string, DocumentPtr> droppedPages;
  std::unique_lock lock(mutex_);
  droppedEvents.swap(events_);
  droppedPages.swap(pages_);
}

std::size_t DocumentCache::eventEntries() const {
  std::shared_lock lock(mutex_);
  return events_.size();
}

std::size_t DocumentCache::pageEntries() const {
  std::shared_lock lock(mutex_);
  return pages_.size();
}

}  // namespace boxoffice::events
