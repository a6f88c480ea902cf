// Config: the schema, the four sources and their precedence, and the errors a user sees.
#include "boxoffice/kernel/config.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <string>
#include <vector>

#include "kernel_test_support.hpp"

using namespace boxoffice;

namespace {
ConfigSchema testSchema() {
  ConfigSchema schema;
  schema.add({
      {"server.bodyLimitBytes", ConfigType::Int, 1048576, "body limit", 1, 1 << 30},
      {"server.listen", ConfigType::String, "127.0.0.1:8080", "listen"},
      {"cors.allowedOrigins", ConfigType::StringList, boost::json::array{}, "origins"},
      {"demo", ConfigType::Bool, false, "demo data"},
      {"auth.jwtSecret", ConfigType::String, "", "secret", 0, INT64_MAX, true},
  });
  return schema;
}

// Builds an environ-style array from strings that live as long as the vector.
struct FakeEnvironment {
  std::vector<std::string> entries;
  std::vector<char*> pointers;
  explicit FakeEnvironment(std::vector<std::string> e) : entries(std::move(e)) {
    for (auto& s : entries) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  char** get() { return pointers.data(); }
};

std::string errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}
}  // namespace

TEST_CASE("config: environment names are BOXOFFICE_ + upper snake case of the key") {
  CHECK(ConfigSchema::envName("server.bodyLimitBytes") == "SERVER_BODY_LIMIT_BYTES");
  CHECK(ConfigSchema::envName("rateLimit.anonymousPerSecond") == "RATE_LIMIT_ANONYMOUS_PER_SECOND");
  CHECK(ConfigSchema::envName("demo") == "DEMO");
}

TEST_CASE("config: defaults < file < environment < flags") {
  auto schema = testSchema();
  Config config(schema);
  CHECK(config.getInt("server.bodyLimitBytes") == 1048576);
  CHECK(config.getString("server.listen") == "127.0.0.1:8080");
  CHECK_FALSE(config.getBool("demo"));
  CHECK(config.getStringList("cors.allowedOrigins").empty());

  config.mergeJsonText(R"({"server": {"bodyLimitBytes": 2000, "listen": "0.0.0.0:1"}, "demo": true,
                           "cors": {"allowedOrigins": ["https://a.example"]}})",
                       "test.json");
  CHECK(config.getInt("server.bodyLimitBytes") == 2000);
  CHECK(config.getString("server.listen") == "0.0.0.0:1");
  CHECK(config.getBool("demo"));
  CHECK(config.getStringList("cors.allowedOrigins") == std::vector<std::string>{"https://a.example"});

  FakeEnvironment env({"PATH=/bin", "BOXOFFICE_SERVER_BODY_LIMIT_BYTES=3000",
                       "BOXOFFICE_CORS_ALLOWED_ORIGINS=https://b.example,https://c.example"});
  config.mergeEnvironment(env.get());
  CHECK(config.getInt("server.bodyLimitBytes") == 3000);
  CHECK(config.getString("server.listen") == "0.0.0.0:1");  // the file's value survives
  CHECK(config.getStringList("cors.allowedOrigins") ==
        std::vector<std::string>{"https://b.example", "https://c.example"});

  config.set("server.bodyLimitBytes", "4000", "flag --body-limit");
  CHECK(config.getInt("server.bodyLimitBytes") == 4000);
}

TEST_CASE("config: reads a JSON file from disk, and names an unreadable one") {
  test::TempDir dir;
  auto file = dir / "boxoffice.json";
  std::ofstream(file) << R"({"server": {"listen": "127.0.0.1:9999"}})";
  auto schema = testSchema();
  Config config(schema);
  config.mergeJsonFile(file.string());
  CHECK(config.getString("server.listen") == "127.0.0.1:9999");
  auto missing = (dir / "missing.json").string();
  CHECK(errorOf([&] { config.mergeJsonFile(missing); }).find(missing) != std::string::npos);
}

TEST_CASE("config: an unknown key is rejected, naming the key, from every source") {
  auto schema = testSchema();
  Config config(schema);
  SUBCASE("file: top-level key") {
    auto error = errorOf([&] { config.mergeJsonText(R"({"nope": 1})", "a.json"); });
    CHECK(error.find("nope") != std::string::npos);
    CHECK(error.find("a.json") != std::string::npos);
  }
  SUBCASE("file: unknown key inside a known section") {
    auto error = errorOf([&] { config.mergeJsonText(R"({"server": {"bodyLimit": 1}})", "a.json"); });
    CHECK(error.find("server.bodyLimit") != std::string::npos);
  }
  SUBCASE("file: unknown section") {
    auto error = errorOf([&] { config.mergeJsonText(R"({"database": {"url": "x"}})", "a.json"); });
    CHECK(error.find("database") != std::string::npos);
  }
  SUBCASE("environment") {
    FakeEnvironment env({"BOXOFFICE_NOPE=1"});
    auto error = errorOf([&] { config.mergeEnvironment(env.get()); });
    CHECK(error.find("BOXOFFICE_NOPE") != std::string::npos);
  }
  SUBCASE("flag / set") {
    auto error = errorOf([&] { config.set("server.nope", "1", "command line"); });
    CHECK(error.find("server.nope") != std::string::npos);
  }
  // Nothing changed on the way.
  CHECK(config.getInt("server.bodyLimitBytes") == 1048576);
}

TEST_CASE("config: variables without the BOXOFFICE_ prefix are ignored") {
  auto schema = testSchema();
  Config config(schema);
  FakeEnvironment env({"HOME=/root", "NOPE=1", "BOXOFFICEX=1", "XBOXOFFICE_DEMO=true"});
  CHECK_NOTHROW(config.mergeEnvironment(env.get()));
  CHECK_FALSE(config.getBool("demo"));
}

TEST_CASE("config: bad types and out-of-range values name the key") {
  auto schema = testSchema();
  Config config(schema);
  struct Case {
    std::string json;
    std::string key;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"server": {"bodyLimitBytes": "big"}})", "server.bodyLimitBytes"},
           {R"({"server": {"bodyLimitBytes": 1.5}})", "server.bodyLimitBytes"},
           {R"({"server": {"bodyLimitBytes": 0}})", "server.bodyLimitBytes"},
           {R"({"server": {"bodyLimitBytes": -5}})", "server.bodyLimitBytes"},
           {R"({"server": {"listen": 8080}})", "server.listen"},
           {R"({"demo": "yes"})", "demo"},
           {R"({"cors": {"allowedOrigins": "https://a.example"}})", "cors.allowedOrigins"},
           {R"({"cors": {"allowedOrigins": [1, 2]}})", "cors.allowedOrigins"},
       }) {
    CAPTURE(c.json);
    CHECK(errorOf([&] { config.mergeJsonText(c.json, "bad.json"); }).find(c.key) != std::string::npos);
  }
  CHECK(errorOf([&] { config.set("server.bodyLimitBytes", "12abc", "env"); }).find("server.bodyLimitBytes") !=
        std::string::npos);
  CHECK(errorOf([&] { config.set("server.bodyLimitBytes", "", "env"); }).find("server.bodyLimitBytes") !=
        std::string::npos);
  CHECK(errorOf([&] { config.set("demo", "maybe", "env"); }).find("demo") != std::string::npos);
  // The rejected values left the defaults in place.
  CHECK(config.getInt("server.bodyLimitBytes") == 1048576);
  CHECK_FALSE(config.getBool("demo"));
}

TEST_CASE("config: booleans from text") {
  auto schema = testSchema();
  Config config(schema);
  config.set("demo", "true", "env");
  CHECK(config.getBool("demo"));
  config.set("demo", "0", "env");
  CHECK_FALSE(config.getBool("demo"));
}

TEST_CASE("config: malformed JSON is a ConfigError naming the source") {
  auto schema = testSchema();
  Config config(schema);
  CHECK(errorOf([&] { config.mergeJsonText("{not json", "broken.json"); }).find("broken.json") != std::string::npos);
  CHECK(errorOf([&] { config.mergeJsonText("[1,2]", "array.json"); }).find("array.json") != std::string::npos);
}

TEST_CASE("config: describe masks secrets") {
  auto schema = testSchema();
  Config config(schema);
  config.set("auth.jwtSecret", "super-secret-value", "env");
  auto text = config.describe();
  CHECK(text.find("super-secret-value") == std::string::npos);
  CHECK(text.find("server.listen") != std::string::npos);
}

TEST_CASE("config: every kernel key has documentation and a default of its type") {
  ConfigSchema schema;
  schema.add(kernelConfigKeys());
  CHECK(schema.keys().size() >= 10);
  Config config(schema);  // defaults must be valid values
  for (const auto& [name, key] : schema.keys()) {
    CAPTURE(name);
    CHECK_FALSE(key.doc.empty());
    switch (key.type) {
      case ConfigType::String:
        CHECK(key.defaultValue.is_string());
        break;
      case ConfigType::Int:
        REQUIRE(key.defaultValue.is_number());
        CHECK(key.defaultValue.to_number<std::int64_t>() >= key.min);
        CHECK(key.defaultValue.to_number<std::int64_t>() <= key.max);
        break;
      case ConfigType::Bool:
        CHECK(key.defaultValue.is_bool());
        break;
      case ConfigType::StringList:
        CHECK(key.defaultValue.is_array());
        break;
    }
  }
  // The limits the issue names, with their defaults.
  CHECK(config.getInt("server.bodyLimitBytes") == 1024 * 1024);
  CHECK(config.getInt("server.headerLimitBytes") == 8 * 1024);
}
