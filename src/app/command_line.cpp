#include "app/command_line.hpp"

#include <boost/program_options.hpp>
#include <sstream>
#include <stdexcept>

namespace boxoffice::app {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = R"(boxoffice — self-hosted event ticketing

Usage:
  boxoffice [serve] [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--demo]
  boxoffice migrate [--config FILE] --data-dir DIR
  boxoffice users add --email EMAIL --role Admin|Organizer|User [--display-name NAME] --data-dir DIR
                      (the password is read from standard input)
  boxoffice config [--config FILE]      print the effective configuration (secrets masked)
  boxoffice audit verify [--data-dir DIR]
                      check the audit hash chain; exit 1 naming the first bad record
  boxoffice audit replay --from T --to T [--type TYPE]... --subscriber NAME [--data-dir DIR]
                      queue stored messages (occurredAt in [T, T], RFC 3339) in one subscriber's
                      inbox; a running server handles them within a second, else the next start
  boxoffice bus topology --data-dir DIR
                      print every module's subscriptions as JSON (the broker's topology is made
                      from it: scripts/rabbitmq-definitions.py)
  boxoffice --version | --help

Configuration: built-in defaults < config file < BOXOFFICE_* environment < flags.
See docs/configuration.md for every key.
)";

}  // namespace

Command parseCommandLine(int argc, const char* const* argv) {
  po::options_description options("options");
  options.add_options()("help,h", "show help")("version", "show the version")(
      "config", po::value<std::string>(), "configuration file (JSON)")("listen", po::value<std::string>(), "HOST:PORT")(
      "data-dir", po::value<std::string>(), "directory for the module databases")(
      "demo", po::bool_switch(), "load demo data")("email", po::value<std::string>(), "user e-mail (users add)")(
      "role", po::value<std::string>(), "Admin, Organizer or User (users add)")(
      "display-name", po::value<std::string>(), "display name (users add)")("from", po::value<std::string>(),
                                                                            "RFC 3339 start (audit replay)")(
      "to", po::value<std::string>(), "RFC 3339 end (audit replay)")("type", po::value<std::vector<std::string>>(),
                                                                     "message type, repeatable (audit replay)")(
      "subscriber", po::value<std::string>(), "subscriber to replay to (audit replay)")(
      "words", po::value<std::vector<std::string>>(), "command words");
  po::positional_options_description positional;
  positional.add("words", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw std::invalid_argument(std::string(e.what()) + " (see boxoffice --help)");
  }

  Command command;
  command.helpText = kUsage;
  if (vm.count("help")) {
    command.kind = CommandKind::Help;
    return command;
  }
  if (vm.count("version")) {
    command.kind = CommandKind::Version;
    return command;
  }
  auto words = vm.count("words") ? vm["words"].as<std::vector<std::string>>() : std::vector<std::string>{};
  auto joined = [&] {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
  }();
  if (words.empty() || joined == "serve") {
    command.kind = CommandKind::Serve;
  } else if (joined == "migrate") {
    command.kind = CommandKind::Migrate;
  } else if (joined == "users add") {
    command.kind = CommandKind::UsersAdd;
  } else if (joined == "config") {
    command.kind = CommandKind::ShowConfig;
  } else if (joined == "audit verify") {
    command.kind = CommandKind::AuditVerify;
  } else if (joined == "audit replay") {
    command.kind = CommandKind::AuditReplay;
  } else if (joined == "bus topology") {
    command.kind = CommandKind::BusTopology;
  } else {
    throw std::invalid_argument("unknown command '" + joined + "' (see boxoffice --help)");
  }

  auto only = [&](const char* flag, std::initializer_list<CommandKind> kinds) {
    if (!vm.count(flag) || (vm[flag].defaulted())) return;
    for (auto k : kinds) {
      if (k == command.kind) return;
    }
    throw std::invalid_argument(std::string("--") + flag + " does not apply to '" +
                                (joined.empty() ? "serve" : joined) + "'");
  };
  only("listen", {CommandKind::Serve});
  only("email", {CommandKind::UsersAdd});
  only("role", {CommandKind::UsersAdd});
  only("display-name", {CommandKind::UsersAdd});
  only("from", {CommandKind::AuditReplay});
  only("to", {CommandKind::AuditReplay});
  only("type", {CommandKind::AuditReplay});
  only("subscriber", {CommandKind::AuditReplay});
  if (vm["demo"].as<bool>() && command.kind != CommandKind::Serve) {
    throw std::invalid_argument("--demo applies only to 'serve'");
  }

  if (vm.count("config")) command.configFile = vm["config"].as<std::string>();
  if (vm.count("listen")) command.overrides.emplace_back("server.listen", vm["listen"].as<std::string>());
  if (vm.count("data-dir")) command.overrides.emplace_back("storage.dataDir", vm["data-dir"].as<std::string>());
  if (vm["demo"].as<bool>()) command.overrides.emplace_back("demo", "true");

  if (command.kind == CommandKind::Migrate && !vm.count("data-dir")) {
    throw std::invalid_argument("migrate needs --data-dir DIR");
  }
  if (command.kind == CommandKind::BusTopology && !vm.count("data-dir")) {
    throw std::invalid_argument("bus topology needs --data-dir DIR (the modules are built on their stores)");
  }
  if (command.kind == CommandKind::UsersAdd) {
    if (!vm.count("email") || !vm.count("role") || !vm.count("data-dir")) {
      throw std::invalid_argument("users add needs --email EMAIL --role Admin|Organizer|User --data-dir DIR");
    }
    command.email = vm["email"].as<std::string>();
    command.role = vm["role"].as<std::string>();
    command.displayName = vm.count("display-name") ? vm["display-name"].as<std::string>() : "";
  }
  if (command.kind == CommandKind::AuditReplay) {
    if (!vm.count("from") || !vm.count("to") || !vm.count("subscriber")) {
      throw std::invalid_argument("audit replay needs --from T --to T --subscriber NAME");
    }
    command.from = vm["from"].as<std::string>();
    command.to = vm["to"].as<std::string>();
    command.subscriber = vm["subscriber"].as<std::string>();
    if (vm.count("type")) command.types = vm["type"].as<std::vector<std::string>>();
  }
  return command;
}

}  // namespace boxoffice::app
