#pragma once
// `boxoffice [serve|migrate|users add|config|audit verify|audit replay|bus topology] ...`: what the user asked for,
// parsed and checked.
#include <optional>
#include <string>
#include <vector>

namespace boxoffice::app {

enum class CommandKind { Serve, Migrate, UsersAdd, ShowConfig, AuditVerify, AuditReplay, BusTopology, Version, Help };

struct Command {
  CommandKind kind = CommandKind::Serve;
  std::optional<std::string> configFile;
  // Flag overrides, applied last: config key -> raw value.
  std::vector<std::pair<std::string, std::string>> overrides;
  // users add
  std::string email;
  std::string role;
  std::string displayName;
  // audit replay
  std::string from;
  std::string to;
  std::vector<std::string> types;
  std::string subscriber;
  std::string helpText;
};

// Throws std::invalid_argument with one clear line on a bad command line.
Command parseCommandLine(int argc, const char* const* argv);

}  // namespace boxoffice::app
