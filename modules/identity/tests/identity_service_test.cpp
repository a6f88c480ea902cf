// User creation, credentials, roles and listing against a real (temporary) SQLite database.
#include "identity_service.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <thread>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "temp_store.hpp"
#include "user_store.hpp"

using namespace boxoffice;
using namespace boxoffice::identity;

namespace {

struct Fixture {
  testing::TempStore temp;
  PasswordHasher hasher{PasswordHasher::minimal()};
  SystemClock clock;
  IdentityService users{*temp.db, hasher, temp.log, clock};

  UserSummary create(const std::string& email, std::vector<auth::Role> roles = {auth::Role::User}) {
    return users.createUser({email, "a fine long password", "Someone", std::move(roles)}, "corr-42");
  }
};

// The status and the field names of the Problem `fn` throws (status 0 if none).
std::pair<int, std::vector<std::string>> problemOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Problem& problem) {
    std::vector<std::string> fields;
    for (const auto& e : problem.errors()) fields.push_back(e.field);
    return {problem.status(), fields};
  }
  return {0, {}};
}

}  // namespace

TEST_CASE("createUser normalizes, stores and publishes UserRegistered in the outbox") {
  Fixture f;
  auto user =
      f.users.createUser({"  Ann@Example.ORG ", "a fine long password", "  Ann  ", {auth::Role::User}}, "corr-42");
  CHECK(user.email == "ann@example.org");
  CHECK(user.displayName == "Ann");
  CHECK(user.roles == std::vector{auth::Role::User});
  CHECK(isUuid(user.id));
  CHECK(parseRfc3339(user.createdAt).has_value());

  auto [count, topic, type, payload, correlation] = f.temp.db->read([](soci::session& sql) {
    int n = 0;
    std::string t, ty, p, c;
    sql << "SELECT COUNT(*) FROM outbox", soci::into(n);
    sql << "SELECT topic, type, payload, correlation_id FROM outbox", soci::into(t), soci::into(ty), soci::into(p),
        soci::into(c);
    return std::tuple{n, t, ty, p, c};
  });
  CHECK(count == 1);
  CHECK(topic == "notifications");
  CHECK(type == "UserRegistered");
  CHECK(correlation == "corr-42");
  auto json = boost::json::parse(payload).as_object();
  CHECK(json.at("userId").as_string() == user.id);
  CHECK(json.at("email") == "ann@example.org");
  CHECK(payload.find("password") == std::string::npos);

  auto stored = f.temp.db->read([&](soci::session& sql) { return user_store::findById(sql, user.id); });
  REQUIRE(stored);
  CHECK(stored->passwordHash.rfind("$argon2id$", 0) == 0);
}

TEST_CASE("createUser keeps a given fixed id (well-known demo accounts)") {
  Fixture f;
  auto user = f.users.createUser({"fixed@example.org",
                                  "a fine long password",
                                  "Fixed",
                                  {auth::Role::Organizer},
                                  "0d3e0000-0000-4000-8000-000000000001"},
                                 "corr");
  CHECK(user.id == "0d3e0000-0000-4000-8000-000000000001");
  CHECK(f.users.find("0d3e0000-0000-4000-8000-000000000001").has_value());
}

TEST_CASE("createUser rejects bad input naming each field") {
  Fixture f;
  auto [status, fields] = problemOf([&] {
    f.users.createUser({"not-an-email", "short", " ", {auth::Role::User}}, "");
  });
  CHECK(status == 400);
  CHECK(fields == std::vector<std::string>{"email", "password", "displayName"});
  CHECK(problemOf([&] { f.create("ann@example.org", {}); }).first == 400);
  CHECK(problemOf([&] {
          f.users.createUser({"ann@example.org", "password2026", "Ann", {auth::Role::User}}, "");
        }).second == std::vector<std::string>{"password"});
}

TEST_CASE("a duplicate email, in any case, is a 409 and publishes nothing") {
  Fixture f;
  f.create("ann@example.org");
  CHECK(problemOf([&] { f.create("ANN@example.org "); }).first == 409);
  int messages = f.temp.db->read([](soci::session& sql) {
    int n = 0;
    sql << "SELECT COUNT(*) FROM outbox", soci::into(n);
    return n;
  });
  CHECK(messages == 1);
}

TEST_CASE("concurrent registrations of one email: exactly one wins") {
  Fixture f;
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto [status, fields] = problemOf([&] { f.create("race@example.org"); });
      if (status == 0) {
        ++created;
      } else if (status == 409) {
        ++conflicts;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(created == 1);
  CHECK(conflicts == 5);
  CHECK(other == 0);
}

TEST_CASE("checkCredentials: right password only, unknown email looks the same") {
  Fixture f;
  auto ann = f.create("ann@example.org");
  auto ok = f.users.checkCredentials("ann@example.org", "a fine long password");
  REQUIRE(ok);
  CHECK(ok->id == ann.id);
  CHECK_FALSE(f.users.checkCredentials("ann@example.org", "a fine long passworD"));
  CHECK_FALSE(f.users.checkCredentials("nobody@example.org", "a fine long password"));
}

TEST_CASE("a login upgrades a hash made with outdated parameters") {
  Fixture f;
  auto ann = f.create("ann@example.org");  // minimal parameters
  PasswordHasher current(PasswordHasher::interactive());
  IdentityService upgraded(*f.temp.db, current, f.temp.log, f.clock);
  REQUIRE(upgraded.checkCredentials("ann@example.org", "a fine long password"));
  auto stored = f.temp.db->read([&](soci::session& sql) { return user_store::findById(sql, ann.id); });
  REQUIRE(stored);
  CHECK_FALSE(current.needsRehash(stored->passwordHash));
  CHECK(current.verify(stored->passwordHash, "a fine long password"));
}

TEST_CASE("setRoles: replaces roles, refuses removing one's own Admin role") {
  Fixture f;
  auto root = f.create("root@example.org", {auth::Role::Admin});
  auto ann = f.create("ann@example.org");
  auth::Principal admin{root.id, root.email, {auth::Role::Admin}};

  auto updated = f.users.setRoles(admin, ann.id, {auth::Role::User, auth::Role::Organizer, auth::Role::User});
  CHECK(updated.roles == std::vector{auth::Role::Organizer, auth::Role::User});
  CHECK(f.users.find(ann.id)->roles == std::vector{auth::Role::Organizer, auth::Role::User});

  CHECK(problemOf([&] { f.users.setRoles(admin, root.id, {auth::Role::User}); }).first == 409);
  CHECK(f.users.find(root.id)->roles == std::vector{auth::Role::Admin});
  CHECK_NOTHROW(f.users.setRoles(admin, root.id, {auth::Role::Admin, auth::Role::User}));  // keeping Admin is fine
  CHECK(problemOf([&] { f.users.setRoles(admin, ann.id, {}); }).first == 400);
  CHECK(problemOf([&] { f.users.setRoles(admin, "00000000-0000-4000-8000-000000000000", {auth::Role::User}); }).first ==
        404);
}

TEST_CASE("list pages oldest first with a total") {
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(f.create("user" + std::to_string(i) + "@example.org").id);
  auto first = f.users.list(1, 2);
  CHECK(first.totalItems == 5);
  REQUIRE(first.items.size() == 2);
  CHECK(first.items[0].id == ids[0]);
  CHECK(first.items[1].id == ids[1]);
  auto last = f.users.list(3, 2);
  REQUIRE(last.items.size() == 1);
  CHECK(last.items[0].id == ids[4]);
  CHECK(f.users.list(4, 2).items.empty());
}

TEST_CASE("accounts created in the same millisecond still list in creation order") {
  // Regression: ties on created_at used to fall back to the random UUID.
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(f.create("burst" + std::to_string(i) + "@example.org").id);
  std::vector<std::string> listed;
  for (int page = 1; page <= 3; ++page)
    for (const auto& user : f.users.list(page, 10).items) listed.push_back(user.id);
  CHECK(listed == ids);
}

TEST_CASE("roles encode canonically and decode defensively") {
  CHECK(user_store::encodeRoles({auth::Role::User, auth::Role::Admin, auth::Role::User}) == "Admin,User");
  CHECK(user_store::decodeRoles("User,Admin") == std::vector{auth::Role::Admin, auth::Role::User});
  CHECK(user_store::decodeRoles("User,Root,") == std::vector{auth::Role::User});
  CHECK(user_store::decodeRoles("").empty());
}
