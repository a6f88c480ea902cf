// The composition root: reads the configuration, builds every module explicitly with what it
// needs, and runs the command the user asked for. Nothing registers itself anywhere else.
#include <array>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <curl/curl.h>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "app/application.hpp"
#include "app/bus_topology.hpp"
#include "app/command_line.hpp"
#include "app/data_dir_lock.hpp"
#include "app/postgres_storage.hpp"
#include "app/seat_owner.hpp"
#include "app/stores.hpp"
#include "boxoffice/audit/api.hpp"
#include "boxoffice/events/api.hpp"
#include "boxoffice/identity/api.hpp"
#include "boxoffice/inventory/api.hpp"
#include "boxoffice/kernel/amqp_settings.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/notifications/api.hpp"
#include "boxoffice/orders/api.hpp"
#include "boxoffice/payments/api.hpp"
#include "boxoffice/tickets/api.hpp"
#include "web/web_ui.hpp"

namespace boxoffice {
namespace {

ConfigSchema buildSchema() {
  ConfigSchema schema;
  schema.add(kernelConfigKeys());
  schema.add(amqpConfigKeys());
  schema.add(app::clusterConfigKeys());
  schema.add(identity::configKeys());
  schema.add(inventory::configKeys());
  schema.add(events::configKeys());
  schema.add(payments::configKeys());
  schema.add(orders::configKeys());
  schema.add(notifications::configKeys());
  schema.add(audit::configKeys());
  schema.add(tickets::configKeys());
  return schema;
}

void loadConfig(Config& config, const app::Command& command) {
  if (command.configFile) {
    config.mergeJsonFile(*command.configFile);
  } else if (std::filesystem::exists("config/boxoffice.json")) {
    config.mergeJsonFile("config/boxoffice.json");
  }
  config.mergeEnvironment(environ);
  for (const auto& [key, value] : command.overrides) config.set(key, value, "the command line");
  parseLogLevel(config.getString("log.level"));  // reject a bad level before anything starts
}

// Every module that has a store (<data-dir>/<name>.db). Stores are opened and migrated before
// any module is built, and `migrate` does nothing else.
constexpr std::array<std::string_view, 8> kModuleStores{"identity", "inventory",     "events", "payments",
                                                        "orders",   "notifications", "audit",  "tickets"};

// Builds every module, in dependency order, into `application`; their stores are open. Returns
// the audit module (audit replay delivers through it).
audit::AuditModule& buildModules(app::Application& application) {
  // The application owns each module; the typed references stay valid (the objects do not move).
  auto identityModule = identity::createModule(application.depsFor("identity"));
  auto& identity = *identityModule;
  application.add(std::move(identityModule));
  application.setAuthenticator(&identity.authenticator());

  // Inventory before events: the events module asks inventory how many seats are committed.
  auto inventoryModule = inventory::createModule(application.depsFor("inventory"));
  auto& inventory = *inventoryModule;
  application.setSeatModule(inventory);
  application.add(std::move(inventoryModule));
  auto eventsModule = events::createModule(
      application.depsFor("events"),
      {.inventory = &inventory.queries(), .demoOrganizerId = std::string(identity::kDemoOrganizerUserId)});
  auto& events = *eventsModule;
  application.add(std::move(eventsModule));

  // Payments before orders: the saga's commands need someone to carry them out, and orders
  // checks a payment's input with payments before it stores anything.
  auto paymentsModule = payments::createModule(application.depsFor("payments"), {.events = &events.queries()});
  auto& payments = *paymentsModule;
  application.add(std::move(paymentsModule));
  application.add(orders::createModule(application.depsFor("orders"),
                                       {.events = &events.queries(), .paymentMethods = &payments.methods()}));

  // Tickets reads events and accounts synchronously; it hears orders and inventory by messages.
  application.add(
      tickets::createModule(application.depsFor("tickets"), {.events = &events.queries(), .users = &identity}));

  // Notifications and audit only listen: they build what they need from messages.
  application.add(notifications::createModule(application.depsFor("notifications")));
  auto auditModule = audit::createModule(application.depsFor("audit"));
  auto& audit = *auditModule;
  application.add(std::move(auditModule));
  return audit;
}

sigset_t servedSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // not a shutdown: reload the TLS certificate
  return signals;
}

int serve(const Config& config, std::shared_ptr<LogSink> sink) {
  auto server = ServerOptions::fromConfig(config);  // a bad --listen fails here, before any store is opened
  auto signals = servedSignals();
  // Before any store opens: a second serve on the same SQLite files stops here (data_dir_lock.hpp).
  std::optional<app::DataDirLock> dataDirLock;
  if (!app::usesPostgres(config)) dataDirLock.emplace(config.getString("storage.dataDir"));
  app::Application application(config, std::move(sink), app::Stores::Purpose::Serve);
  for (auto name : kModuleStores) application.openStore(name);
  buildModules(application);
  application.addRoutes(web::registerRoutes);  // the web UI: a client of /api/v1, served on the same port
  application.start(server);
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) application.reloadTls();
  application.log().info("shutting down", {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
  application.stop();
  return application.lostSeats() ? 3 : 0;
}

// Opens every store, which applies its pending migrations; no module is built. On PostgreSQL
// the roles and schemas are made first, as the administrator (app/postgres_storage.hpp).
int migrate(const Config& config, std::shared_ptr<LogSink> sink) {
  Logger log(std::move(sink), "kernel");
  if (app::usesPostgres(config)) app::preparePostgres(config, kModuleStores, log);
  app::Stores stores(config, log, app::Stores::Purpose::Migrate);
  for (auto name : kModuleStores) stores.open(name);
  std::cout << "migrations applied in "
            << (app::usesPostgres(config) ? std::string("PostgreSQL") : config.getString("storage.dataDir")) << "\n";
  return 0;
}

int addUser(const Config& config, const app::Command& command, std::shared_ptr<LogSink> sink) {
  auto role = auth::parseRole(command.role);
  if (!role) throw std::invalid_argument("--role must be Admin, Organizer or User");
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  // Users are identity's alone: only its store is opened and only that module is built.
  app::Application application(config, std::move(sink));
  application.openStore("identity");
  auto identity = identity::createModule(application.depsFor("identity"));
  auto displayName =
      command.displayName.empty() ? command.email.substr(0, command.email.find('@')) : command.displayName;
  auto user = identity->addUser(command.email, password, displayName, *role);
  std::cout << "created user " << user.id << " <" << user.email << "> with role " << command.role << "\n";
  return 0;
}

// Only the audit store is opened. Exit 1 (and the first bad record) when the chain is broken.
int auditVerify(const Config& config, std::shared_ptr<LogSink> sink) {
  app::Stores stores(config, Logger(std::move(sink), "kernel"));
  auto result = audit::verify(stores.open("audit"));
  if (!result.intact()) {
    const auto& bad = *result.firstBad;
    std::cout << "audit chain BROKEN at record " << bad.sequence << " (message " << bad.messageId
              << "): " << bad.problem << "\n";
    return 1;
  }
  std::cout << "audit chain intact: " << result.records << " records\n";
  return 0;
}

// Every module is built and subscribed, so the bus knows each subscriber's topics; nothing is
// started. The messages land in the subscriber's inbox table, which a running server polls.
int auditReplay(const Config& config, const app::Command& command, std::shared_ptr<LogSink> sink) {
  app::Application application(config, std::move(sink));
  for (auto name : kModuleStores) application.openStore(name);
  auto& audit = buildModules(application);
  application.subscribeOnly();
  auto result = audit.replay({command.from, command.to, command.types, command.subscriber});
  std::cout << "replayed to " << result.subscriber << ": matched " << result.matched << ", delivered "
            << result.delivered << ", skipped " << result.skipped << ", notSubscribed " << result.notSubscribed << "\n";
  return 0;
}

// The subscriptions every module registers, as JSON (scripts/rabbitmq-definitions.py makes the
// broker's topology from it). Modules are built on the stores in --data-dir; nothing starts.
int busTopology(const Config& config, std::shared_ptr<LogSink> sink) {
  app::Application application(config, std::move(sink));
  for (auto name : kModuleStores) application.openStore(name);
  buildModules(application);
  app::SubscriptionRecorder recorder;
  application.subscribeTo(recorder);
  std::cout << boost::json::serialize(recorder.toJson(kModuleStores)) << "\n";
  return 0;
}

}  // namespace
}  // namespace boxoffice

int main(int argc, char** argv) {
  // Before any thread starts: libcurl's global state (SMTP deliveries, forwarded seat commands).
  curl_global_init(CURL_GLOBAL_DEFAULT);
  using namespace boxoffice;
  try {
    auto command = app::parseCommandLine(argc, argv);
    if (command.kind == app::CommandKind::Help) {
      std::cout << command.helpText;
      return 0;
    }
    if (command.kind == app::CommandKind::Version) {
      std::cout << "boxoffice " << BOXOFFICE_VERSION << "\n";
      return 0;
    }
    if (command.kind == app::CommandKind::Serve) {
      // SIGINT/SIGTERM are taken synchronously by the main thread (sigwait in serve). Block them
      // before any thread exists (the log writer is the first), so every thread inherits the mask
      // and no signal can land on a thread that would die of it.
      auto signals = servedSignals();
      pthread_sigmask(SIG_BLOCK, &signals, nullptr);
      std::signal(SIGPIPE, SIG_IGN);
    }
    auto schema = buildSchema();
    Config config(schema);
    loadConfig(config, command);
    auto sink = std::make_shared<LogSink>(std::cout, parseLogLevel(config.getString("log.level")));
    switch (command.kind) {
      case app::CommandKind::Serve:
        return serve(config, sink);
      case app::CommandKind::Migrate:
        return migrate(config, sink);
      case app::CommandKind::UsersAdd:
        return addUser(config, command, sink);
      case app::CommandKind::AuditVerify:
        return auditVerify(config, sink);
      case app::CommandKind::AuditReplay:
        return auditReplay(config, command, sink);
      case app::CommandKind::BusTopology:
        return busTopology(config, sink);
      case app::CommandKind::ShowConfig:
        std::cout << config.describe() << "\n";
        return 0;
      default:
        return 0;
    }
  } catch (const Problem& problem) {
    std::cerr << "boxoffice: " << problem.title() << (problem.detail().empty() ? "" : " " + problem.detail());
    for (const auto& e : problem.errors()) std::cerr << " " << e.field << ": " << e.message << ";";
    std::cerr << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "boxoffice: " << e.what() << "\n";
    return 2;
  }
}
