// Idempotency-Key: validation, fingerprints, the replay/422 decision, expiry, per-user scoping,
// and the records in the kernel's table.
#include "boxoffice/kernel/idempotency.hpp"

#include <doctest/doctest.h>

#include "kernel_test_support.hpp"

using namespace boxoffice;
using namespace boxoffice::idempotency;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

int statusOfRefusal(const std::function<void()>& action) {
  try {
    action();
  } catch (const Problem& p) {
    return p.status();
  }
  return 0;
}

struct Store {
  test::TempDir dir;
  test::CapturedLog log;
  Database db{{dir / "shop.db", "shop", 5000, 2}, log.logger()};
  Store() { db.migrate({}); }
};

}  // namespace

TEST_CASE("idempotency: the header is optional, bounded and printable") {
  http::Request request;
  json::Validation validation;
  CHECK_FALSE(keyFrom(request, validation).has_value());
  request.headers["Idempotency-Key"] = "order-42";
  CHECK(keyFrom(request, validation) == "order-42");
  CHECK(validation.ok());
  for (const std::string& bad : {std::string(), std::string(256, 'k'), std::string("a\nb")}) {
    json::Validation refused;
    request.headers["Idempotency-Key"] = bad;
    keyFrom(request, refused);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.errors().front().field == "Idempotency-Key");
  }
}

TEST_CASE("idempotency: the fingerprint covers every part, in order") {
  CHECK(fingerprint({"a", "b"}) == fingerprint({"a", "b"}));
  CHECK(fingerprint({"a", "b"}) != fingerprint({"b", "a"}));
  CHECK(fingerprint({"ab", ""}) != fingerprint({"a", "b"}));
  CHECK(fingerprint({"x"}).size() == 64);
}

TEST_CASE("idempotency: same request replays, another is 422, an expired record is forgotten") {
  StoredResponse stored{fingerprint({"2 seats"}), 201, R"({"id":1})", kNow};
  CHECK_FALSE(decide(std::nullopt, stored.fingerprint, kNow).has_value());
  auto replay = decide(stored, stored.fingerprint, kNow + 1000);
  REQUIRE(replay.has_value());
  CHECK(replay->status == 201);
  CHECK(replay->body == R"({"id":1})");
  CHECK(statusOfRefusal([&] { decide(stored, fingerprint({"3 seats"}), kNow); }) == 422);
  CHECK(keyReused().slug() == "idempotency-key-reused");
  // Kept 24 hours, to the millisecond.
  CHECK(decide(stored, stored.fingerprint, kNow + kRetentionMs).has_value());
  CHECK_FALSE(decide(stored, stored.fingerprint, kNow + kRetentionMs + 1).has_value());
  CHECK_FALSE(decide(stored, fingerprint({"3 seats"}), kNow + kRetentionMs + 1).has_value());
}

TEST_CASE("idempotency: records live in the store, per user, inside the transaction") {
  Store store;
  Key alice{"alice", "k1"};
  Key bob{"bob", "k1"};
  auto print = fingerprint({"2 seats"});
  store.db.write([&](Tx& tx) {
    CHECK_FALSE(lookup(tx, alice, print, kNow).has_value());
    save(tx, alice, {print, 201, "{}", kNow});
  });
  store.db.write([&](Tx& tx) {
    CHECK(lookup(tx, alice, print, kNow)->status == 201);
    // Bob's key of the same name is his own.
    CHECK_FALSE(lookup(tx, bob, fingerprint({"other"}), kNow).has_value());
    CHECK(statusOfRefusal([&] { lookup(tx, alice, fingerprint({"other"}), kNow); }) == 422);
  });
  // A rolled-back change leaves no record behind.
  CHECK_THROWS(store.db.write([&](Tx& tx) {
    save(tx, bob, {print, 201, "{}", kNow});
    throw std::runtime_error("the change failed");
  }));
  CHECK_FALSE(store.db.read([&](soci::session& sql) { return find(sql, bob); }).has_value());

  store.db.write([&](Tx& tx) { prune(tx, kNow + kRetentionMs + 1); });
  CHECK_FALSE(store.db.read([&](soci::session& sql) { return find(sql, alice); }).has_value());
}

TEST_CASE("idempotency: the cache answers from memory and writes through") {
  Store store;
  Key alice{"alice", "k1"};
  auto print = fingerprint({"2 seats"});
  store.db.write([&](Tx& tx) { save(tx, {"old", "k"}, {print, 201, "{}", kNow - kRetentionMs - 1}); });

  Cache cache;
  store.db.read([&](soci::session& sql) { cache.load(sql, kNow); });
  CHECK(cache.size() == 0);  // the expired record is not loaded
  store.db.write([&](Tx& tx) {
    CHECK_FALSE(cache.lookup(alice, print, kNow).has_value());
    cache.remember(tx, alice, {print, 201, R"({"ok":true})", kNow});
  });
  CHECK(cache.lookup(alice, print, kNow)->body == R"({"ok":true})");
  CHECK(statusOfRefusal([&] { cache.lookup(alice, fingerprint({"other"}), kNow); }) == 422);
  CHECK_FALSE(cache.lookup({"bob", "k1"}, print, kNow).has_value());

  Cache reloaded;  // after a restart
  store.db.read([&](soci::session& sql) { reloaded.load(sql, kNow); });
  CHECK(reloaded.lookup(alice, print, kNow)->status == 201);

  cache.forget(alice);
  CHECK_FALSE(cache.lookup(alice, print, kNow).has_value());

  store.db.write([&](Tx& tx) { reloaded.prune(tx, kNow + kRetentionMs + 1); });
  CHECK(reloaded.size() == 0);
  CHECK_FALSE(store.db.read([&](soci::session& sql) { return find(sql, alice); }).has_value());
}
