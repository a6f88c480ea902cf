#pragma once
// Configuration with a schema. Every key is declared once (name, type, default, documentation)
// by the kernel or by the module that reads it; the composition root collects the schemas.
// Sources, lowest precedence first: declared defaults < JSON file (config/boxoffice.json or
// --config) < BOXOFFICE_* environment < command-line flags. A key not in the schema is an
// error that names it, whatever the source.
//
// JSON nests by dots: "server.bodyLimitBytes" is {"server": {"bodyLimitBytes": ...}}.
// Environment: BOXOFFICE_ + the key in upper snake case: BOXOFFICE_SERVER_BODY_LIMIT_BYTES.
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace boxoffice {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ConfigType { String, Int, Bool, StringList };

struct ConfigKey {
  std::string name;  // "server.bodyLimitBytes"
  ConfigType type;
  boost::json::value defaultValue;
  std::string doc;
  std::int64_t min = 0;  // for Int keys
  std::int64_t max = INT64_MAX;
  bool secret = false;  // never printed
};

class ConfigSchema {
 public:
  void add(ConfigKey key);
  void add(const std::vector<ConfigKey>& keys);
  const ConfigKey* find(std::string_view name) const;
  const std::map<std::string, ConfigKey, std::less<>>& keys() const { return keys_; }
  // "SERVER_BODY_LIMIT_BYTES" for "server.bodyLimitBytes".
  static std::string envName(std::string_view key);

 private:
  std::map<std::string, ConfigKey, std::less<>> keys_;
};

class Config {
 public:
  explicit Config(const ConfigSchema& schema);

  // Each throws ConfigError naming the key and the source on an unknown key or a bad value.
  void mergeJsonFile(const std::string& path);
  void mergeJsonText(std::string_view text, std::string_view sourceName);
  void mergeEnvironment(char** environ);
  void set(std::string_view name, std::string_view rawValue, std::string_view sourceName);

  std::string getString(std::string_view key) const;
  std::int64_t getInt(std::string_view key) const;
  bool getBool(std::string_view key) const;
  std::vector<std::string> getStringList(std::string_view key) const;
  // Effective values, secrets masked, for `boxoffice config` and docs.
  std::string describe() const;

 private:
  const boost::json::value& get(std::string_view name, ConfigType type) const;
  void setValue(const ConfigKey& key, const boost::json::value& value, std::string_view sourceName);
  void mergeObject(const boost::json::object& object, const std::string& prefix, std::string_view sourceName);
  const ConfigSchema& schema_;
  std::map<std::string, boost::json::value, std::less<>> values_;
};

// The keys the kernel itself reads (server, storage, auth, rate limits, CORS, bus, logging).
std::vector<ConfigKey> kernelConfigKeys();

}  // namespace boxoffice
