// List totals are reused only within the generation they were computed in.
#include "count_cache.hpp"

#include <doctest/doctest.h>

using boxoffice::events::CountCache;

TEST_CASE("an entry lives until the next invalidation") {
  CountCache cache(8);
  auto generation = cache.generation();
  CHECK_FALSE(cache.find("all"));
  cache.put("all", generation, 42);
  CHECK(cache.find("all") == 42);
  cache.invalidate();
  CHECK_FALSE(cache.find("all"));
}

TEST_CASE("a count computed across a change is not stored") {
  CountCache cache(8);
  auto generation = cache.generation();
  cache.invalidate();  // a write committed while the count ran
  cache.put("all", generation, 41);
  CHECK_FALSE(cache.find("all"));
}

TEST_CASE("capacity bounds the entries, zero disables") {
  CountCache cache(2);
  auto g = cache.generation();
  cache.put("a", g, 1);
  cache.put("b", g, 2);
  cache.put("c", g, 3);  // full: starts over
  CHECK(cache.find("c") == 3);
  CHECK_FALSE(cache.find("a"));
  CountCache off(0);
  off.put("a", off.generation(), 1);
  CHECK_FALSE(off.find("a"));
}
