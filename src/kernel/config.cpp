#include "boxoffice/kernel/config.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace boxoffice {

void ConfigSchema::add(ConfigKey key) {
  auto name = key.name;
  keys_.insert_or_assign(std::move(name), std::move(key));
}

void ConfigSchema::add(const std::vector<ConfigKey>& keys) {
  for (const auto& key : keys) add(key);
}

const ConfigKey* ConfigSchema::find(std::string_view name) const {
  auto it = keys_.find(name);
  return it == keys_.end() ? nullptr : &it->second;
}

std::string ConfigSchema::envName(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '.') {
      out += '_';
    } else if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += c;
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

Config::Config(const ConfigSchema& schema) : schema_(schema) {
  for (const auto& [name, key] : schema.keys()) values_[name] = key.defaultValue;
}

namespace {
std::string_view typeName(ConfigType type) {
  switch (type) {
    case ConfigType::String:
      return "a string";
    case ConfigType::Int:
      return "an integer";
    case ConfigType::Bool:
      return "a boolean";
    case ConfigType::StringList:
      return "a list of strings";
  }
  return "a value";
}
}  // namespace

void Config::setValue(const ConfigKey& key, const boost::json::value& value, std::string_view source) {
  auto fail = [&](std::string_view why) {
    throw ConfigError("config key '" + key.name + "' from " + std::string(source) + ": " + std::string(why));
  };
  switch (key.type) {
    case ConfigType::String:
      if (!value.is_string()) fail(std::string("must be ") + std::string(typeName(key.type)));
      break;
    case ConfigType::Bool:
      if (!value.is_bool()) fail("must be true or false");
      break;
    case ConfigType::Int: {
      if (!value.is_int64() && !value.is_uint64()) fail("must be an integer");
      auto number = value.is_int64() ? value.as_int64() : static_cast<std::int64_t>(value.as_uint64());
      if (number < key.min || number > key.max) {
        fail("must be between " + std::to_string(key.min) + " and " + std::to_string(key.max));
      }
      values_[key.name] = number;
      return;
    }
    case ConfigType::StringList:
      if (!value.is_array()) fail("must be a list of strings");
      for (const auto& item : value.as_array()) {
        if (!item.is_string()) fail("must be a list of strings");
      }
      break;
  }
  values_[key.name] = value;
}

void Config::mergeObject(const boost::json::object& object, const std::string& prefix, std::string_view source) {
  for (const auto& entry : object) {
    std::string name = prefix.empty() ? std::string(entry.key()) : prefix + "." + std::string(entry.key());
    if (const auto* key = schema_.find(name)) {
      setValue(*key, entry.value(), source);
    } else if (entry.value().is_object()) {
      bool isSection = false;
      for (const auto& [known, unused] : schema_.keys()) {
        if (known.starts_with(name + ".")) isSection = true;
      }
      if (!isSection) throw ConfigError("unknown config key '" + name + "' in " + std::string(source));
      mergeObject(entry.value().as_object(), name, source);
    } else {
      throw ConfigError("unknown config key '" + name + "' in " + std::string(source));
    }
  }
}

void Config::mergeJsonText(std::string_view text, std::string_view source) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec) throw ConfigError(std::string(source) + " is not valid JSON: " + ec.message());
  if (!value.is_object()) throw ConfigError(std::string(source) + " must hold a JSON object");
  mergeObject(value.as_object(), "", source);
}

void Config::mergeJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  mergeJsonText(buffer.str(), path);
}

void Config::set(std::string_view name, std::string_view raw, std::string_view source) {
  const auto* key = schema_.find(name);
  if (!key) throw ConfigError("unknown config key '" + std::string(name) + "' from " + std::string(source));
  switch (key->type) {
    case ConfigType::String:
      setValue(*key, boost::json::string(raw), source);
      return;
    case ConfigType::Bool:
      if (raw == "true" || raw == "1") return setValue(*key, true, source);
      if (raw == "false" || raw == "0") return setValue(*key, false, source);
      setValue(*key, boost::json::string(raw), source);  // reports the type error
      return;
    case ConfigType::Int: {
      std::int64_t number = 0;
      auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), number);
      if (ec != std::errc() || end != raw.data() + raw.size()) {
        throw ConfigError("config key '" + key->name + "' from " + std::string(source) + ": must be an integer");
      }
      setValue(*key, number, source);
      return;
    }
    case ConfigType::StringList: {
      boost::json::array items;
      std::size_t start = 0;
      while (start <= raw.size() && !raw.empty()) {
        auto comma = raw.find(',', start);
        auto item = raw.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (!item.empty()) items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      setValue(*key, items, source);
      return;
    }
  }
}

void Config::mergeEnvironment(char** environ) {
  constexpr std::string_view prefix = "BOXOFFICE_";
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view pair(*entry);
    if (!pair.starts_with(prefix)) continue;
    auto eq = pair.find('=');
    auto name = pair.substr(prefix.size(), eq - prefix.size());
    auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    const ConfigKey* match = nullptr;
    for (const auto& [keyName, key] : schema_.keys()) {
      if (ConfigSchema::envName(keyName) == name) match = &key;
    }
    if (!match) throw ConfigError("unknown config key in environment variable " + std::string(pair.substr(0, eq)));
    set(match->name, value, "environment variable " + std::string(pair.substr(0, eq)));
  }
}

const boost::json::value& Config::get(std::string_view name, ConfigType type) const {
  const auto* key = schema_.find(name);
  if (!key || key->type != type) throw std::logic_error("config key not declared: " + std::string(name));
  return values_.find(name)->second;
}

std::string Config::getString(std::string_view key) const {
  return std::string(get(key, ConfigType::String).as_string());
}
std::int64_t Config::getInt(std::string_view key) const { return get(key, ConfigType::Int).to_number<std::int64_t>(); }
bool Config::getBool(std::string_view key) const { return get(key, ConfigType::Bool).as_bool(); }
std::vector<std::string> Config::getStringList(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& item : get(key, ConfigType::StringList).as_array()) out.emplace_back(item.as_string());
  return out;
}

std::string Config::describe() const {
  boost::json::object out;
  for (const auto& [name, key] : schema_.keys()) {
    out[name] = key.secret && !values_.at(name).as_string().empty() ? boost::json::value("***") : values_.at(name);
  }
  return boost::json::serialize(out);
}

std::vector<ConfigKey> kernelConfigKeys() {
  using T = ConfigType;
  return {
      {"server.listen", T::String, "127.0.0.1:8080",
       "Address and port to listen on (HOST:PORT; port 0 picks a free one)."},
      {"server.ioThreads", T::Int, 0, "Threads running network I/O; 0 means one per core.", 0, 256},
      {"server.workerThreads", T::Int, 16, "Threads running request handlers (they may block on the database).", 1,
       1024},
      {"server.bodyLimitBytes", T::Int, 1048576, "Largest request body accepted; larger gets 413.", 1, 1 << 30},
      {"server.headerLimitBytes", T::Int, 8192, "Largest request header block accepted; larger gets 431.", 512,
       1 << 20},
      {"server.readTimeoutMs", T::Int, 15000,
       "Time allowed to receive one whole request once it has started; then 408.", 100, 3600000},
      {"server.idleTimeoutMs", T::Int, 60000, "A keep-alive connection idle this long is closed.", 100, 3600000},
      {"server.maxConnections", T::Int, 10000, "Open connections allowed at once; more are closed at accept.", 1,
       1000000},
      {"server.maxConnectionsPerClient", T::Int, 256,
       "Open connections allowed at once from one client network (an IPv4 address or an IPv6 /64); more are "
       "closed at accept.",
       1, 1000000},
      {"server.reservedConnections", T::Int, 16,
       "Connections accepted beyond server.maxConnections that may only ask /health, /ready or /metrics.", 0, 10000},
      {"server.firstRequestTimeoutMs", T::Int, 5000,
       "A new connection that has not sent the first byte of a request within this time is closed.", 100, 3600000},
      {"server.trustedProxies", T::StringList, boost::json::array{},
       "Reverse proxies (IP addresses or CIDR ranges) whose Forwarded / X-Forwarded-For / X-Forwarded-Proto "
       "headers name the client; from anyone else those headers are ignored."},
      {"server.tls.certificateFile", T::String, "",
       "PEM certificate chain for built-in TLS (with server.tls.privateKeyFile); empty: plain HTTP. Read again on "
       "SIGHUP."},
      {"server.tls.privateKeyFile", T::String, "", "PEM private key of server.tls.certificateFile."},
      {"server.shutdownGraceMs", T::Int, 10000, "On SIGTERM/SIGINT, how long in-flight requests may take to finish.", 0,
       600000},
      {"storage.dataDir", T::String, "./data", "Directory holding one SQLite database per module."},
      {"storage.busyTimeoutMs", T::Int, 5000, "How long SQLite waits for a lock before failing.", 0, 600000},
      {"storage.walCheckpointPages", T::Int, 1000,
       "Write-ahead log frames (pages) after which a background thread copies them into the database file.", 16,
       1000000},
      {"storage.walRestartPages", T::Int, 4000,
       "Log frames after which the background checkpoint briefly holds writers so the log starts over; also the "
       "size (in frames) the -wal file is cut back to after a reader let it grow beyond.",
       16, 10000000},
      {"storage.walRestartWaitMs", T::Int, 20,
       "How long a restarting checkpoint waits for readers before it gives up and tries later.", 0, 10000},
      {"storage.backend", T::String, "sqlite",
       "sqlite (one file per module in storage.dataDir) or postgresql (one schema and role per module)."},
      {"storage.postgresql.url", T::String, "",
       "PostgreSQL database (libpq URI or key=value string) the modules connect to, each as its own role."},
      {"storage.postgresql.adminUrl", T::String, "",
       "Connection used only by `boxoffice migrate` to create the roles and schemas (a role with CREATEROLE)."},
      {"storage.postgresql.rolePrefix", T::String, "boxoffice_",
       "Each module's role is this prefix plus the module name; its schema is the module name."},
      {"storage.postgresql.passwordsFile", T::String, "",
       "File of module=password lines, the module roles' passwords; empty: none (peer, trust or .pgpass)."},
      {"storage.postgresql.readers", T::Int, 4, "Read connections each module keeps open beside its writer.", 1, 64},
      {"log.level", T::String, "info", "debug, info, warn or error."},
      {"rateLimit.anonymousPerSecond", T::Int, 20, "Sustained requests per second per client IP without a token.", 1,
       10000000},
      {"rateLimit.anonymousBurst", T::Int, 100, "Burst allowance per client IP without a token.", 1, 10000000},
      {"rateLimit.userPerSecond", T::Int, 50, "Sustained requests per second per signed-in user.", 1, 10000000},
      {"rateLimit.userBurst", T::Int, 200, "Burst allowance per signed-in user.", 1, 10000000},
      {"rateLimit.authFailuresPerMinute", T::Int, 30,
       "Requests with an invalid bearer token per minute per client network; beyond the burst they get 429.", 1,
       10000000},
      {"rateLimit.authFailuresBurst", T::Int, 30, "Invalid bearer tokens allowed at once per client network.", 1,
       10000000},
      {"cors.allowedOrigins", T::StringList, boost::json::array{},
       "Origins allowed to call the API from a browser (exact match, or \"*\")."},
      {"bus.maxAttempts", T::Int, 5, "Deliveries of a message to a failing subscriber before it becomes a dead letter.",
       1, 100},
      {"bus.retryBaseMs", T::Int, 500, "First retry delay; it doubles on each further failure.", 1, 3600000},
      {"bus.retryMaxMs", T::Int, 60000, "Longest retry delay.", 1, 86400000},
      {"bus.inboxBatch", T::Int, 128,
       "Messages a subscriber handles in one transaction (one fsync), each in its own savepoint.", 1, 1024},
      {"demo", T::Bool, false, "Load demo users and events at start (idempotent)."},
  };
}

}  // namespace boxoffice
