// The document cache on its own: what a commit retires, the fill protocol that keeps a document
// read before a commit out of the cache, the bound, and no stale read under concurrent writes.
#include "document_cache.hpp"

#include <atomic>
#include <chrono>
#include <doctest/doctest.h>
#include <string>
#include <thread>
#include <vector>

using boxoffice::events::DocumentCache;

namespace {

constexpr std::size_t kBudget = 1 << 20;  // bytes: more than any test here stores, but the last

DocumentCache::DocumentPtr doc(const std::string& body, const std::string& etag = "\"1\"") {
  return std::make_shared<const DocumentCache::Document>(DocumentCache::Document{body, etag});
}

}  // namespace

TEST_CASE("document cache: a document lives until a commit changes its event") {
  DocumentCache cache(8, kBudget);
  CHECK(cache.event("a") == nullptr);
  cache.putEvent("a", cache.stamp(), doc("A", "\"3\""));
  cache.putEvent("b", cache.stamp(), doc("B"));
  cache.putPage("1/20/0", cache.stamp(), doc("page"));
  REQUIRE(cache.event("a") != nullptr);
  CHECK(cache.event("a")->body == "A");
  CHECK(cache.event("a")->etag == "\"3\"");
  CHECK(cache.page("1/20/0")->body == "page");

  cache.eventsChanged({"a"});
  CHECK(cache.event("a") == nullptr);
  CHECK(cache.event("b") != nullptr);      // another event's document stays
  CHECK(cache.page("1/20/0") == nullptr);  // every list page goes: any change may move them
  cache.putPage("1/20/0", cache.stamp(), doc("page 2"));
  cache.eventsChanged({});  // e.g. a new Draft or category: pages only
  CHECK(cache.page("1/20/0") == nullptr);
  CHECK(cache.event("b") != nullptr);
  cache.allChanged();
  CHECK(cache.event("b") == nullptr);
  CHECK(cache.eventEntries() == 0);
}

TEST_CASE("document cache: a document read before a commit is not kept after it") {
  DocumentCache cache(8, kBudget);
  auto stamp = cache.stamp();                // the filler takes the stamp, then reads the store...
  cache.eventsChanged({"a"});                // ...a write commits meanwhile...
  cache.putEvent("a", stamp, doc("old A"));  // ...so what it read may be older: not kept
  cache.putPage("1/20/0", stamp, doc("old page"));
  CHECK(cache.event("a") == nullptr);
  CHECK(cache.page("1/20/0") == nullptr);
  // A change to another event retires it too (the stamp is per cache, not per event).
  stamp = cache.stamp();
  cache.eventsChanged({"b"});
  cache.putEvent("a", stamp, doc("A"));
  CHECK(cache.event("a") == nullptr);
  cache.putEvent("a", cache.stamp(), doc("A"));
  CHECK(cache.event("a") != nullptr);
}

TEST_CASE("document cache: the bound holds, when full it starts over, zero disables") {
  DocumentCache cache(3, kBudget, 2);
  for (int i = 0; i < 10; ++i) {
    cache.putEvent("e" + std::to_string(i), cache.stamp(), doc(std::to_string(i)));
    CHECK(cache.eventEntries() <= 3);
  }
  REQUIRE(cache.event("e9") != nullptr);  // the newest is always kept
  CHECK(cache.event("e9")->body == "9");
  cache.putEvent("e9", cache.stamp(), doc("9 again"));  // replacing does not clear
  CHECK(cache.event("e9")->body == "9 again");
  for (int i = 0; i < 5; ++i) cache.putPage(std::to_string(i), cache.stamp(), doc("p"));
  CHECK(cache.pageEntries() <= 2);

  DocumentCache off(0, kBudget);
  CHECK_FALSE(off.enabled());
  off.putEvent("a", off.stamp(), doc("A"));
  off.putPage("p", off.stamp(), doc("P"));
  CHECK(off.event("a") == nullptr);
  CHECK(off.page("p") == nullptr);
}

TEST_CASE("document cache: the byte budget holds over both maps, a document larger than it is never kept") {
  // Each entry counts its key, body and ETag: "e0" + 100 bytes + "\"1\"" = 105 bytes.
  DocumentCache cache(1000, 400);
  std::string body(100, 'x');
  for (int i = 0; i < 3; ++i) cache.putEvent("e" + std::to_string(i), cache.stamp(), doc(body));
  CHECK(cache.bytes() == 3 * 105);
  cache.putPage("p", cache.stamp(), doc(std::string(60, 'y')));  // 64 bytes: 379 in all, still fits
  CHECK(cache.bytes() == 3 * 105 + 64);
  CHECK(cache.pageEntries() == 1);
  cache.putEvent("e3", cache.stamp(), doc(body));  // 484 > 400: both maps start over
  CHECK(cache.bytes() == 105);
  CHECK(cache.eventEntries() == 1);
  CHECK(cache.pageEntries() == 0);
  REQUIRE(cache.event("e3") != nullptr);
  cache.putEvent("e3", cache.stamp(), doc(std::string(10, 'z')));  // a replacement counts once
  CHECK(cache.bytes() == 2 + 10 + 3);
  cache.eventsChanged({"e3"});
  CHECK(cache.bytes() == 0);
  cache.putEvent("huge", cache.stamp(), doc(std::string(500, 'h')));
  CHECK(cache.event("huge") == nullptr);
  CHECK(cache.bytes() == 0);
}

TEST_CASE("document cache: counts hits and misses") {
  DocumentCache cache(4, kBudget);
  cache.event("a");
  cache.putEvent("a", cache.stamp(), doc("A"));
  cache.event("a");
  cache.event("a");
  CHECK(cache.hits() == 2);
  CHECK(cache.misses() == 1);
}

// The guarantee the routes rely on, under real threads: once a write has returned (its
// afterCommit retired the document), no reader gets a version older than that write. Fillers
// follow the protocol: stamp, read "the store", put.
TEST_CASE("document cache: no reader sees a version older than a returned write") {
  DocumentCache cache(16, kBudget);
  std::atomic<int> stored{0};        // the store: the committed version
  std::atomic<int> acknowledged{0};  // the newest version whose write call has returned
  std::atomic<bool> done{false};
  std::atomic<int> stale{0};
  std::atomic<long> hits{0};

  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        int floor = acknowledged.load();
        if (auto document = cache.event("e")) {
          ++hits;
          if (std::stoi(document->body) < floor) ++stale;
        } else {
          auto stamp = cache.stamp();
          int version = stored.load();
          std::this_thread::yield();  // widen the window between the read and the put
          cache.putEvent("e", stamp, doc(std::to_string(version)));
        }
      }
    });
  }
  for (int version = 1; version <= 3000; ++version) {
    stored.store(version);                                                             // COMMIT
    cache.eventsChanged({"e"});                                                        // its afterCommit hook
    acknowledged.store(version);                                                       // the write call returns
    if (version % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));  // let readers fill
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(stale.load() == 0);
  CHECK(hits.load() > 0);  // the readers did use the cache
}
