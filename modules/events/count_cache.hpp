#pragma once
// Remembers list totals (SELECT COUNT(*) for a filter) until the catalogue next changes.
//
// Counting every Published event is the one expensive part of a list page (a scan of ~10,000
// index entries, about 1 ms, against 0.06 ms for the page itself). The catalogue changes
// rarely and only through this process's EventService, which calls invalidate() after every
// commit, so a cached total is exact: an entry is used only while the generation it was
// computed in is still current. (A deployment where other processes write the same store
// must turn it off: events.listCountCacheEntries = 0.)
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace boxoffice::events {

class CountCache {
 public:
  explicit CountCache(std::size_t capacity) : capacity_(capacity) {}

  // Read before running the query; pass to put() with its result.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::optional<std::int64_t> find(const std::string& key) const;
  void put(const std::string& key, std::uint64_t generation, std::int64_t count);
  // After a commit that changed events: every entry computed before is stale.
  void invalidate() { generation_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  struct Entry {
    std::uint64_t generation;
    std::int64_t count;
  };
  std::size_t capacity_;
  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace boxoffice::events
