#pragma once
// The catalogue's public documents, rendered once per change and served from memory: the body
// and ETag of GET /api/v1/events/{id} for events anyone may read (not Drafts), and of the first
// pages of the unfiltered list GET /api/v1/events. Readers are the io threads (a hit never
// touches SQLite); fillers are workers that read the store after a miss; the writers are
// EventService's commits, which retire what they changed.
//
// No stale document survives a commit. A filler reads stamp() BEFORE it reads the store and
// hands the stamp to put*(); every commit of the events module bumps the stamp (in its
// afterCommit hook, i.e. after COMMIT and before the writer's call returns) and then drops the
// documents it changed and every list page. put*() keeps a document only if no commit happened
// since its stamp was taken (checked under the lock the drop also takes), so a document read
// before a commit can never be stored after that commit's drop. A reader may still get the old
// document in the microseconds between COMMIT and the drop, while the write's own response has
// not been sent: it is concurrent with the write, never after it.
//
// Bounded twice: at most `eventEntries` event documents and kMaxPages list pages, and at most
// `byteBudget` bytes of bodies, ETags and keys together (a 10,000-character description makes
// one document tens of KB, so a count alone bounds nothing). When a bound is reached, the map
// (or, for bytes, both) is emptied and refilled by the next misses instead of keeping an LRU
// order: a hit stays a shared (read) lock and a lookup, with no bookkeeping written on the hot
// path, and the hot events return with their next request. The defaults
// (events.documentCacheEntries, events.documentCacheMiB) hold a catalogue of ordinary size, so
// clearing is the exception. Whatever is dropped is freed after the lock is released.
//
// Like the list-total cache (count_cache.hpp) it is exact for this process's own writes. Another
// instance on the same PostgreSQL database is noticed through the catalogue's change counter,
// read every events.cachePollMilliseconds (EventService::watchOtherWriters): its changes are
// seen within that time.
#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace boxoffice::events {

class DocumentCache {
 public:
  struct Document {
    std::string body;  // JSON, exactly as the route answers it
    std::string etag;  // with its quotes
  };
  using DocumentPtr = std::shared_ptr<const Document>;

  // List pages kept at most: more than the keys routes.cpp can ask for (pages 1-3 of the
  // unfiltered list, for three page sizes and three sorts: 27), so no request pattern can keep
  // the common pages out by filling the map with others.
  static constexpr std::size_t kMaxPages = 64;

  // `eventEntries` = 0 disables the cache (events and pages).
  DocumentCache(std::size_t eventEntries, std::size_t byteBudget, std::size_t pageEntries = kMaxPages)
      : byteBudget_(byteBudget) {
    events_.capacity = eventEntries;
    pages_.capacity = eventEntries == 0 ? 0 : pageEntries;
  }

  bool enabled() const { return events_.capacity > 0; }
  // Read before reading the store; pass to put*() with what was read.
  std::uint64_t stamp() const { return stamp_.load(std::memory_order_acquire); }

  // nullptr: not in memory (the caller reads the store, on a worker).
  DocumentPtr event(const std::string& id) const;
  DocumentPtr page(const std::string& key) const;
  // Keeps `document` unless a commit happened since `stamp` was read.
  void putEvent(const std::string& id, std::uint64_t stamp, DocumentPtr document);
  void putPage(const std::string& key, std::uint64_t stamp, DocumentPtr document);

  // After a commit that changed these events: their documents and every list page are stale.
  void eventsChanged(const std::vector<std::string>& ids);
  // After a commit whose effect on documents is not known event by event: all are stale.
  void allChanged();

  std::size_t eventEntries() const;
  std::size_t pageEntries() const;
  std::size_t bytes() const;
  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  // One map with what bounds it. `bytes` counts keys, bodies and ETags; guarded by mutex_.
  struct Shelf {
    std::unordered_map<std::string, DocumentPtr> documents;
    std::size_t capacity = 0;
    std::size_t bytes = 0;
  };
  // What a call dropped, freed by the caller once the lock is released.
  struct Graveyard {
    std::vector<std::unordered_map<std::string, DocumentPtr>> maps;
    std::vector<DocumentPtr> documents;
  };
  DocumentPtr find(const Shelf& shelf, const std::string& key) const;
  void put(Shelf& shelf, const std::string& key, std::uint64_t stamp, DocumentPtr document);
  // Under the lock: empties `shelf` in O(1) (its map moves to the graveyard).
  static void clear(Shelf& shelf, Graveyard& graveyard);

  std::size_t byteBudget_;  // of both shelves together
  std::atomic<std::uint64_t> stamp_{0};
  mutable std::atomic<std::uint64_t> hits_{0};
  mutable std::atomic<std::uint64_t> misses_{0};
  mutable std::shared_mutex mutex_;
  Shelf events_;
  Shelf pages_;
};

}  // namespace boxoffice::events
