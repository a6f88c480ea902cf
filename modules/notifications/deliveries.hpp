#pragma once
// The delivery side's face to the rest of the module (owned by the delivery part: the delivery
// table, the sender with retries and backoff, the channels — SMTP email through libcurl,
// simulated SMS and push providers, in-app — the daily digest, and the routes that show them).
//
// The trigger side calls enqueue() inside the inbox transaction of the message that caused the
// notification: the delivery is stored with that message, so a crash loses nothing and a
// redelivered message adds nothing (one bus message never yields two sends to the same person
// and channel). The sender works outside any transaction, marks each delivery before and after
// its send, and publishes NotificationSent / NotificationFailed.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model.hpp"
#include "templates.hpp"

namespace boxoffice {
class Clock;
class Config;
struct ConfigKey;
class Database;
class Logger;
class Metrics;
class Router;
class Tx;
}  // namespace boxoffice

namespace boxoffice::notifications {

struct NewDelivery {
  // What caused it: a bus message id, an announcement id, or a reminder's key. With userId,
  // channel and type it is the delivery's identity: enqueueing the same again adds nothing.
  std::string sourceMessageId;
  std::string correlationId;  // of the causing message: NotificationSent/Failed carry it
  std::string type;           // catalogue.hpp
  Category category = Category::Transactional;
  Channel channel = Channel::Email;
  Reader reader;               // userId, language, time zone (the digest is written for them later)
  std::string userName;        // for the digest
  std::string address;         // email address, phone number or push device token; empty for in-app
  Rendered content;            // written now, so a later template change does not alter it
  std::string unsubscribeUrl;  // marketing and reminders: List-Unsubscribe (RFC 8058) headers
  // Daily digest: held, and sent with the reader's other held deliveries of the channel in one
  // message, at this time.
  std::optional<std::chrono::sys_seconds> digestAt;
  // Preferences said no: stored as Suppressed with this reason, never sent (seen by Admins).
  std::optional<std::string> suppressedBecause;
};

// notifications.smtp.*, retry.*, sender.*, digest.maxEntries and appName (the delivery side's
// keys; module.cpp's configKeys() lists them with the others).
std::vector<ConfigKey> deliveryConfigKeys();

class Deliveries {
 public:
  // `templates` writes the daily digest. `severalInstances`: other instances' senders work on the
  // same table (PostgreSQL with cluster.advertiseUrl), so a claimed row may be another's send in
  // progress.
  Deliveries(Database& store, const Templates& templates, const Config& config, const Clock& clock, const Logger& log,
             Metrics& metrics, bool severalInstances = false);
  ~Deliveries();
  Deliveries(const Deliveries&) = delete;
  Deliveries& operator=(const Deliveries&) = delete;

  // In the caller's transaction. Returns false (and stores nothing) when a delivery with the same
  // sourceMessageId, userId, channel and type exists.
  bool enqueue(Tx& tx, const NewDelivery& delivery);

  // GET /api/v1/notifications (own in-app, paginated), POST /api/v1/notifications/{id}/read,
  // GET /api/v1/admin/notifications/deliveries?status&type&userId (Admin).
  void registerRoutes(Router& router);

  // The sender (and digest) worker.
  void start();
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace boxoffice::notifications
