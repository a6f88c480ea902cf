#pragma once
// `boxoffice [serve|migrate|users add|config] ...`: what the user asked for, parsed and checked.
#include <optional>
#include <string>
#include <vector>

namespace boxoffice::app {

enum class CommandKind { Serve, Migrate, UsersAdd, ShowConfig, Version, Help };

struct Command {
  CommandKind kind = CommandKind::Serve;
  std::optional<std::string> configFile;
  // Flag overrides, applied last: config key -> raw value.
  std::vector<std::pair<std::string, std::string>> overrides;
  // users add
  std::string email;
  std::string role;
  std::string displayName;
  std::string helpText;
};

// Throws std::invalid_argument with one clear line on a bad command line.
Command parseCommandLine(int argc, const char* const* argv);

}  // namespace boxoffice::app
