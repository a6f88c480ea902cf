#include "document_cache.hpp"

#include <mutex>

namespace boxoffice::events {

namespace {
std::size_t sizeOf(const std::string& key, const DocumentCache::Document& document) {
  return key.size() + document.body.size() + document.etag.size();
}
}  // namespace

DocumentCache::DocumentPtr DocumentCache::find(const Shelf& shelf, const std::string& key) const {
  if (!enabled()) return nullptr;
  DocumentPtr found;
  {
    std::shared_lock lock(mutex_);
    if (auto it = shelf.documents.find(key); it != shelf.documents.end()) found = it->second;
  }
  (found ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return found;
}

DocumentCache::DocumentPtr DocumentCache::event(const std::string& id) const { return find(events_, id); }

DocumentCache::DocumentPtr DocumentCache::page(const std::string& key) const { return find(pages_, key); }

void DocumentCache::clear(Shelf& shelf, Graveyard& graveyard) {
  graveyard.maps.emplace_back().swap(shelf.documents);
  shelf.bytes = 0;
}

void DocumentCache::put(Shelf& shelf, const std::string& key, std::uint64_t stamp, DocumentPtr document) {
  if (shelf.capacity == 0 || !document) return;
  std::size_t size = sizeOf(key, *document);
  if (size > byteBudget_) return;  // could never fit: not worth emptying the cache for
  Graveyard graveyard;             // declared before the lock: freed after it is released
  std::unique_lock lock(mutex_);
  // Under the lock the drops take: a commit after `stamp` has either bumped it already (then
  // the document may be older than that commit and is not kept), or its drop comes after us.
  if (stamp != stamp_.load(std::memory_order_acquire)) return;
  if (auto it = shelf.documents.find(key); it != shelf.documents.end()) {
    shelf.bytes -= sizeOf(key, *it->second);
    graveyard.documents.push_back(std::move(it->second));
    shelf.documents.erase(it);
  }
  if (shelf.documents.size() >= shelf.capacity) clear(shelf, graveyard);  // full: start over (see the header)
  if (events_.bytes + pages_.bytes + size > byteBudget_) {
    clear(events_, graveyard);
    clear(pages_, graveyard);
  }
  shelf.documents.emplace(key, std::move(document));
  shelf.bytes += size;
}

void DocumentCache::putEvent(const std::string& id, std::uint64_t stamp, DocumentPtr document) {
  put(events_, id, stamp, std::move(document));
}

void DocumentCache::putPage(const std::string& key, std::uint64_t stamp, DocumentPtr document) {
  put(pages_, key, stamp, std::move(document));
}

void DocumentCache::eventsChanged(const std::vector<std::string>& ids) {
  // The bump comes first: a filler that read the store before this commit can no longer store.
  stamp_.fetch_add(1, std::memory_order_acq_rel);
  Graveyard graveyard;  // freed after the lock is released
  std::unique_lock lock(mutex_);
  for (const auto& id : ids) {
    if (auto it = events_.documents.find(id); it != events_.documents.end()) {
      events_.bytes -= sizeOf(id, *it->second);
      graveyard.documents.push_back(std::move(it->second));
      events_.documents.erase(it);
    }
  }
  clear(pages_, graveyard);
}

void DocumentCache::allChanged() {
  stamp_.fetch_add(1, std::memory_order_acq_rel);
  Graveyard graveyard;  // freed after the lock is released
  std::unique_lock lock(mutex_);
  clear(events_, graveyard);
  clear(pages_, graveyard);
}

std::size_t DocumentCache::eventEntries() const {
  std::shared_lock lock(mutex_);
  return events_.documents.size();
}

std::size_t DocumentCache::pageEntries() const {
  std::shared_lock lock(mutex_);
  return pages_.documents.size();
}

std::size_t DocumentCache::bytes() const {
  std::shared_lock lock(mutex_);
  return events_.bytes + pages_.bytes;
}

}  // namespace boxoffice::events
