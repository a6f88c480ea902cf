// The notifications module's wiring: the read model and triggers (subscriptions), the template
// engine, the deliveries and their sender, the reminder scheduler, and the routes of all three.

#include <algorithm>

#include "announcements.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/notifications/api.hpp"
#include "deliveries.hpp"
#include "reminders.hpp"
#include "routes.hpp"
#include "service.hpp"
#include "subscriptions.hpp"
#include "templates.hpp"
#include "triggers.hpp"
#include "unsubscribe_tokens.hpp"

namespace boxoffice::notifications {

namespace {

std::string resolveUnsubscribeKey(const ModuleDeps& deps) {
  const std::string key = "notifications.unsubscribeKey";
  if (auto value = deps.config.getString(key); !value.empty()) return value;
  deps.log.warn("no " + key +
                " configured: using a generated development key stored in notifications.db; set BOXOFFICE_" +
                ConfigSchema::envName(key) + " in production");
  const std::string name = "dev." + key;
  const std::string candidate = randomToken(32);
  return deps.store.write([&](Tx& tx) {
    tx.sql() << "INSERT INTO notification_settings (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING",
        soci::use(name), soci::use(candidate);
    std::string value;
    tx.sql() << "SELECT value FROM notification_settings WHERE name = :n", soci::use(name), soci::into(value);
    return value;
  });
}

class TemplatesRenderer final : public Renderer {
 public:
  explicit TemplatesRenderer(const Templates& templates) : templates_(templates) {}
  Rendered render(std::string_view type, Channel channel, const Reader& reader,
                  const Variables& variables) const override {
    return templates_.render(type, channel, reader, variables);
  }

 private:
  const Templates& templates_;
};

class DeliveriesSink final : public DeliverySink {
 public:
  explicit DeliveriesSink(Deliveries& deliveries) : deliveries_(deliveries) {}
  bool enqueue(Tx& tx, const NewDelivery& delivery) override { return deliveries_.enqueue(tx, delivery); }

 private:
  Deliveries& deliveries_;
};

ServiceSettings serviceSettings(const Config& config) {
  ServiceSettings s;
  s.appName = config.getString("notifications.appName");
  s.publicBaseUrl = config.getString("notifications.publicBaseUrl");
  while (!s.publicBaseUrl.empty() && s.publicBaseUrl.back() == '/') s.publicBaseUrl.pop_back();
  s.digestHour = static_cast<int>(config.getInt("notifications.digestHour"));
  return s;
}

ReminderSettings reminderSettings(const Config& config) {
  ReminderSettings s;
  s.lead = std::chrono::hours(config.getInt("notifications.reminderLeadHours"));
  s.pollInterval = std::chrono::milliseconds(config.getInt("notifications.reminderCheckMs"));
  s.batchSize = static_cast<int>(config.getInt("notifications.reminderBatchSize"));
  return s;
}

RouteSettings routeSettings(const Config& config) {
  RouteSettings s;
  s.announcementMaxRecipients = static_cast<int>(config.getInt("notifications.announcementMaxRecipients"));
  return s;
}

class NotificationsModuleImpl final : public NotificationsModule {
 public:
  explicit NotificationsModuleImpl(const ModuleDeps& deps)
      : deps_(deps),
        tokens_(resolveUnsubscribeKey(deps)),
        templates_(deps.store, deps.clock),
        deliveries_(
            deps.store, templates_, deps.config, deps.clock, deps.log, deps.metrics,
            deps.store.dialect() == Dialect::Postgresql && !deps.config.getString("cluster.advertiseUrl").empty()),
        renderer_(templates_),
        sink_(deliveries_),
        service_(renderer_, sink_, tokens_, deps.clock, serviceSettings(deps.config)),
        reminders_(deps.store, service_, deps.clock, deps.log, reminderSettings(deps.config)),
        announcements_(deps.store, service_, deps.clock, deps.log,
                       static_cast<int>(deps.config.getInt("notifications.announcementBatchSize"))),
        routes_(deps.store, announcements_, tokens_, deps.rateLimiter, deps.clock, routeSettings(deps.config)) {
    auto perHour = static_cast<double>(deps.config.getInt("notifications.announcementsPerHour"));
    deps.rateLimiter.definePolicy(std::string(kAnnouncementPolicy), {perHour / 3600.0, std::max(1.0, perHour)});
  }
  ~NotificationsModuleImpl() override { stop(); }
  NotificationsModuleImpl(const NotificationsModuleImpl&) = delete;
  NotificationsModuleImpl& operator=(const NotificationsModuleImpl&) = delete;

  std::string name() const override { return "notifications"; }
  void registerRoutes(Router& router) override {
    routes_.registerAll(router);
    templates_.registerRoutes(router);
    deliveries_.registerRoutes(router);
  }
  void subscribe(MessageBus& bus) override {
    subscribeMessages<Subscriptions>(bus, deps_.store, [this](const auto& message, const Envelope& envelope, Tx& tx) {
      for (const auto& notification : triggers::on(tx, message, envelope)) service_.notify(tx, notification);
    });
  }
  void start() override {
    deliveries_.start();
    reminders_.start();
    announcements_.start();
  }
  void stop() override {
    announcements_.stop();
    reminders_.stop();
    deliveries_.stop();
  }

 private:
  ModuleDeps deps_;
  UnsubscribeTokens tokens_;
  Templates templates_;
  Deliveries deliveries_;
  TemplatesRenderer renderer_;
  DeliveriesSink sink_;
  NotificationService service_;
  Reminders reminders_;
  Announcements announcements_;
  Routes routes_;
};

}  // namespace

std::vector<ConfigKey> configKeys() {
  std::vector<ConfigKey> keys{
      {"notifications.publicBaseUrl", ConfigType::String, "http://localhost:8080",
       "Public address of this server: unsubscribe links in emails start with it."},
      {"notifications.unsubscribeKey", ConfigType::String, "",
       "Key of the signed unsubscribe links (HMAC-SHA256). Empty: a generated development key kept in "
       "notifications.db (a warning is logged). Changing it invalidates links already sent.",
       0, INT64_MAX, true},
      {"notifications.reminderLeadHours", ConfigType::Int, 24,
       "Event reminders go out this many hours before an event starts.", 1, std::int64_t{24} * 14},
      {"notifications.reminderCheckMs", ConfigType::Int, 60'000,
       "How often the reminder scheduler looks for due reminders.", 10, 3'600'000},
      {"notifications.reminderBatchSize", ConfigType::Int, 200, "Reminders written per transaction.", 1, 10'000},
      {"notifications.announcementsPerHour", ConfigType::Int, 5, "Announcements one sender may send per hour.", 1,
       10'000},
      {"notifications.announcementBatchSize", ConfigType::Int, 500, "Announcement recipients written per transaction.",
       1, 10'000},
      {"notifications.announcementMaxRecipients", ConfigType::Int, 100'000,
       "An announcement to an event with more buyers than this is refused (409).", 1, 10'000'000},
  };
  keys.push_back({"notifications.digestHour", ConfigType::Int, 8,
                  "Local hour (in each user's time zone) at which the daily digest of marketing and reminders is sent.",
                  0, 23});
  auto delivery = deliveryConfigKeys();  // the sender's keys, notifications.appName among them
  keys.insert(keys.end(), std::make_move_iterator(delivery.begin()), std::make_move_iterator(delivery.end()));
  return keys;
}

std::unique_ptr<NotificationsModule> createModule(const ModuleDeps& deps) {
  return std::make_unique<NotificationsModuleImpl>(deps);
}

}  // namespace boxoffice::notifications
