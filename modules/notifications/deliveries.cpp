#include "deliveries.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <map>
#include <utility>

#include "api_schemas.hpp"
#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/context.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/router.hpp"
#include "boxoffice/kernel/time.hpp"
#include "boxoffice/notifications/messages.hpp"
#include "delivery_store.hpp"
#include "providers.hpp"

namespace boxoffice::notifications {

namespace {

constexpr const char* kSendsMetric = "notifications_sends_total";

// How long after a send's timeouts have run out its claim counts as abandoned (a sender that
// outlives the SMTP timeouts is stuck on the database, which the outcome's write then finds).
constexpr std::int64_t kInterruptedMarginMs = 60'000;

// Thrown inside a digest's transaction when another sender took one of its rows first.
struct DigestRowsTaken {};

constexpr std::size_t kMaxAddress = 512;  // a push token is ≤ 512; an email address ≤ 320

// a***@example.com, +49******12: enough to tell deliveries apart in a log, never the address.
std::string maskAddress(const std::string& address) {
  if (address.empty()) return "";
  auto at = address.find('@');
  if (at != std::string::npos) return address.substr(0, 1) + "***" + address.substr(at);
  if (address.size() <= 4) return "****";
  return address.substr(0, 3) + "***" + address.substr(address.size() - 2);
}

std::string causationOf(const std::string& source) { return isUuid(source) ? source : std::string(); }

}  // namespace

std::vector<ConfigKey> deliveryConfigKeys() {
  using T = ConfigType;
  return {
      {"notifications.smtp.host", T::String, "",
       "SMTP server for email. Empty: email goes to the simulated provider (recorded in notifications.db, a warning "
       "at start)."},
      {"notifications.smtp.port", T::Int, 25, "SMTP server port.", 1, 65535},
      {"notifications.smtp.security", T::String, "starttls",
       "none (plain SMTP), starttls (STARTTLS required) or tls (implicit TLS, smtps)."},
      {"notifications.smtp.username", T::String, "", "SMTP AUTH user name; empty: no authentication."},
      {"notifications.smtp.password", T::String, "", "SMTP AUTH password (a secret: environment or file).", 0,
       INT64_MAX, true},
      {"notifications.smtp.from", T::String, "boxoffice@localhost",
       "From address of every email; its domain names the Message-ID."},
      {"notifications.smtp.connectTimeoutMs", T::Int, 5000, "SMTP connect timeout.", 100, 600000},
      {"notifications.smtp.timeoutMs", T::Int, 30000, "Whole SMTP send timeout (one email).", 100, 600000},
      {"notifications.retry.baseMs", T::Int, 30000, "First retry delay of a failed send; doubles each attempt.", 1,
       86400000},
      {"notifications.retry.maxMs", T::Int, 3600000, "Longest retry delay.", 1, 86400000},
      {"notifications.retry.maxAttempts", T::Int, 8, "Attempts before a delivery is Failed.", 1, 100},
      {"notifications.sender.batchSize", T::Int, 50, "Deliveries the sender takes per round.", 1, 1000},
      {"notifications.sender.pollMs", T::Int, 1000, "How often the sender looks for due deliveries and digests.", 10,
       600000},
      {"notifications.digest.maxEntries", T::Int, 20, "Entries listed in one digest; more are summarized as a count.",
       1, 200},
      {"notifications.appName", T::String, "boxoffice", "The product's name in notifications ({{appName}})."},
  };
}

struct Deliveries::State {
  Database& db;
  const Templates& templates;
  const Clock& clock;
  Logger log;
  Metrics& metrics;
  SmtpSettings smtp;
  std::int64_t baseMs = 0;
  std::int64_t maxMs = 0;
  int maxAttempts = 0;
  int batchSize = 0;
  int maxEntries = 0;
  std::chrono::milliseconds poll{};
  std::string appName;
  // Per channel; used only by the sender thread (the SMTP provider keeps one connection).
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers;
  std::unique_ptr<BackgroundWorker> worker;
  bool started = false;
  bool outcomeLost = false;  // sender thread only
  // With several instances their senders share the table: a row claimed for sending is only
  // declared interrupted once no live sender can still be at it (the SMTP timeouts, plus a
  // margin). Alone (SQLite, or PostgreSQL without cluster.advertiseUrl, where a second serve
  // cannot start) this process is the only sender, so every claim it did not settle is one.
  bool shared = false;
  std::int64_t staleAfterMs = 0;

  State(Database& d, const Templates& t, const Config& config, const Clock& c, Logger l, Metrics& m,
        bool severalInstances)
      : db(d), templates(t), clock(c), log(std::move(l)), metrics(m), shared(severalInstances) {
    metrics.describe(kSendsMetric, "counter",
                     "Notification send attempts by channel and outcome (sent, error; errors are retried).");
    smtp.host = config.getString("notifications.smtp.host");
    smtp.port = static_cast<int>(config.getInt("notifications.smtp.port"));
    smtp.security = config.getString("notifications.smtp.security");
    if (smtp.security != "none" && smtp.security != "starttls" && smtp.security != "tls")
      throw ConfigError("notifications.smtp.security must be none, starttls or tls");
    smtp.username = config.getString("notifications.smtp.username");
    smtp.password = config.getString("notifications.smtp.password");
    smtp.from = config.getString("notifications.smtp.from");
    smtp.connectTimeoutMs = static_cast<long>(config.getInt("notifications.smtp.connectTimeoutMs"));
    smtp.timeoutMs = static_cast<long>(config.getInt("notifications.smtp.timeoutMs"));
    baseMs = config.getInt("notifications.retry.baseMs");
    maxMs = config.getInt("notifications.retry.maxMs");
    maxAttempts = static_cast<int>(config.getInt("notifications.retry.maxAttempts"));
    batchSize = static_cast<int>(config.getInt("notifications.sender.batchSize"));
    poll = std::chrono::milliseconds(config.getInt("notifications.sender.pollMs"));
    maxEntries = static_cast<int>(config.getInt("notifications.digest.maxEntries"));
    appName = config.getString("notifications.appName");
    staleAfterMs = smtp.connectTimeoutMs + smtp.timeoutMs + kInterruptedMarginMs;
    for (const auto* channel : {"email", "sms", "push"}) providers[channel] = std::make_unique<SimulatedProvider>();
    if (!smtp.host.empty()) providers["email"] = std::make_unique<SmtpProvider>(smtp);
    worker = std::make_unique<BackgroundWorker>("notifications-sender", clock, log, [this] { return step(); });
  }

  std::int64_t backoff(int attempts) const {
    std::int64_t delay = baseMs;
    for (int i = 1; i < attempts && delay < maxMs; ++i) delay *= 2;
    return std::min(delay, maxMs);
  }

  static void publishSent(Tx& tx, const store::DeliveryRow& row, std::int64_t now) {
    messages::NotificationSent sent{row.id,      row.userId,          row.type,     row.channel,
                                    row.variant, row.sourceMessageId, row.attempts, formatUnixMillis(now)};
    tx.publish(sent, row.correlationId, causationOf(row.sourceMessageId));
  }
  static void publishFailed(Tx& tx, const store::DeliveryRow& row, const std::string& error, std::int64_t now) {
    messages::NotificationFailed failed{
        row.id, row.userId, row.type, row.channel, row.sourceMessageId, row.attempts, error, formatUnixMillis(now)};
    tx.publish(failed, row.correlationId, causationOf(row.sourceMessageId));
  }

  // A digest's members follow it: Sent with it, or Failed with it.
  static void settleMembers(Tx& tx, const store::DeliveryRow& digest, bool sent, const std::string& error,
                            std::int64_t now) {
    if (digest.type != "Digest") return;
    auto members = store::digestMembers(tx.sql(), digest.id);
    for (auto& member : members) {
      if (member.status != "Queued") continue;
      if (sent) {
        store::markSent(tx, member.id, now);
        publishSent(tx, member, now);
      } else {
        store::markFailed(tx, member.id, "digest-failed: " + error);
        publishFailed(tx, member, "digest-failed: " + error, now);
      }
    }
  }

  // Claims older than this are abandoned (see `shared`).
  std::int64_t interruptedBefore() const {
    return shared ? clock.nowMillis() - staleAfterMs : std::numeric_limits<std::int64_t>::max();
  }

  void failInterrupted() {
    auto candidates = db.read([&](soci::session& sql) { return store::interrupted(sql, interruptedBefore()); });
    if (candidates.empty()) return;
    auto now = clock.nowMillis();
    std::vector<store::DeliveryRow> rows;
    db.write([&](Tx& tx) {
      rows.clear();
      for (auto& row : candidates) {
        // Conditional: another instance may fail it first, or its sender settle it after all.
        if (!row.sendingSince || !store::failInterrupted(tx, row.id, *row.sendingSince, "interrupted-while-sending"))
          continue;
        publishFailed(tx, row, "interrupted-while-sending", now);
        settleMembers(tx, row, false, "interrupted-while-sending", now);
        rows.push_back(row);
      }
    });
    for (auto& row : rows) {
      log.warn("delivery interrupted while sending: failed, not re-sent (an Admin may retry it)",
               {{"deliveryId", row.id}, {"channel", row.channel}, {"to", maskAddress(row.address)}});
    }
  }

  Provider& providerFor(const std::string& channel) {
    auto found = providers.find(channel);
    return found != providers.end() ? *found->second : *providers.at("sms");  // unknown: simulated
  }

  void sendOne(const std::string& id) {
    auto start = clock.nowMillis();
    bool claimed = db.write([&](Tx& tx) { return store::claim(tx, id, start); });  // committed before the send
    if (!claimed) return;
    auto row = db.read([&](soci::session& sql) { return store::find(sql, id); });
    if (!row) return;
    auto& provider = providerFor(row->channel);
    auto error = provider.send(Outgoing{row->id, row->channel, row->address, row->subject, row->text, row->html,
                                        row->language, row->unsubscribeUrl, clock.nowMillis() / 1000});
    auto now = clock.nowMillis();
    // If the outcome cannot be written the delivery stays claimed: the next step settles it (the
    // email may have left, so it must not be sent again).
    try {
      if (!recordOutcome(*row, start, provider.simulated(), error, now)) {
        log.warn("delivery sent after another instance had declared it interrupted: outcome not recorded",
                 {{"deliveryId", row->id}, {"channel", row->channel}, {"sent", !error}});
        return;
      }
    } catch (...) {
      outcomeLost = true;
      throw;
    }
    metrics.increment(kSendsMetric, {{"channel", row->channel}, {"outcome", error ? "error" : "sent"}});
    if (error) {
      log.warn("notification send failed", {{"deliveryId", row->id},
                                            {"channel", row->channel},
                                            {"to", maskAddress(row->address)},
                                            {"attempt", row->attempts},
                                            {"error", *error}});
    }
  }

  // Sent (with NotificationSent), the next attempt, or Failed (with NotificationFailed), in one
  // transaction. False if the attempt claimed at `claimedAt` was declared interrupted meanwhile
  // (its claim outlived every timeout): its Failed stands, nothing is written.
  bool recordOutcome(const store::DeliveryRow& row, std::int64_t claimedAt, bool simulated,
                     const std::optional<std::string>& error, std::int64_t now) {
    return db.write([&](Tx& tx) {
      if (!store::stillClaimed(tx, row.id, claimedAt)) return false;
      if (!error) {
        if (simulated) store::recordSimulated(tx, row, now);
        store::markSent(tx, row.id, now);
        publishSent(tx, row, now);
        settleMembers(tx, row, true, "", now);
      } else if (row.attempts >= maxAttempts) {
        store::markFailed(tx, row.id, *error);
        publishFailed(tx, row, *error, now);
        settleMembers(tx, row, false, *error, now);
      } else {
        store::scheduleRetry(tx, row.id, now + backoff(row.attempts), *error);
      }
      return true;
    });
  }

  void formDigests(std::int64_t now) {
    const auto limit = batchSize * maxEntries;
    auto rows = db.read([&](soci::session& sql) { return store::dueDigestRows(sql, now, limit); });
    std::size_t i = 0;
    while (i < rows.size()) {
      std::size_t end = i;
      while (end < rows.size() && rows[end].userId == rows[i].userId && rows[end].channel == rows[i].channel) ++end;
      // The limit may have cut the last group: leave it whole for the next round (one digest per
      // user and channel), unless it is the only group (then its rest follows in a second digest).
      if (end == rows.size() && static_cast<int>(rows.size()) == limit && i > 0) break;
      formDigest(std::vector<store::DeliveryRow>(rows.begin() + static_cast<std::ptrdiff_t>(i),
                                                 rows.begin() + static_cast<std::ptrdiff_t>(end)),
                 now);
      i = end;
    }
  }

  void formDigest(const std::vector<store::DeliveryRow>& held, std::int64_t now) {
    const auto& latest = held.back();
    std::string entries;
    std::string unsubscribe;
    for (std::size_t k = 0; k < held.size(); ++k) {
      if (unsubscribe.empty()) unsubscribe = held[k].unsubscribeUrl;
      if (k < static_cast<std::size_t>(maxEntries)) entries += "- " + held[k].subject + "\n";
    }
    if (held.size() > static_cast<std::size_t>(maxEntries))
      entries += "+ " + std::to_string(held.size() - maxEntries) + "\n";
    Variables vars{{"count", static_cast<std::int64_t>(held.size())},
                   {"entries", entries},
                   {"userName", latest.userName},
                   {"appName", appName},
                   {"unsubscribeUrl", unsubscribe}};
    auto channel = parseChannel(latest.channel).value_or(Channel::Email);
    std::optional<Rendered> content;
    std::string renderError;
    try {
      content = templates.render("Digest", channel, Reader{latest.userId, latest.language, latest.timezone}, vars);
    } catch (const std::exception& e) {
      renderError = std::string("digest-render-failed: ") + e.what();
    }
    // On PostgreSQL another instance's sender may form a digest of the same rows at the same
    // time: each row joins one digest only (the conditional updates below; the second writer
    // waits for the first and then changes nothing), and a digest that did not get every row it
    // was rendered for is rolled back, its rows left to the next round.
    try {
      writeDigest(held, content, renderError, unsubscribe, now);
    } catch (const DigestRowsTaken&) {
      log.debug("digest rows taken by another sender; formed again next round", {{"userId", latest.userId}});
    }
    if (!content) log.error("digest could not be written", {{"userId", latest.userId}, {"error", renderError}});
  }

  // The digest with its rows, or the rows Failed when it could not be rendered.
  void writeDigest(const std::vector<store::DeliveryRow>& held, const std::optional<Rendered>& content,
                   const std::string& renderError, const std::string& unsubscribe, std::int64_t now) {
    const auto& latest = held.back();
    db.write([&](Tx& tx) {
      if (!content) {
        for (const auto& row : held) {
          if (tx.exec("UPDATE notification_deliveries SET status = 'Failed', next_attempt_at = NULL, last_error = ?2 "
                      "WHERE id = ?1 AND status = 'Queued' AND digest_id IS NULL AND sending_since IS NULL",
                      row.id, renderError) == 0) {
            continue;  // another sender settled it
          }
          publishFailed(tx, row, renderError, now);
        }
        return;
      }
      store::DeliveryRow digest;
      digest.id = newUuid();
      digest.sourceMessageId = "digest:" + digest.id;
      digest.correlationId = digest.id;
      digest.userId = latest.userId;
      digest.type = "Digest";
      digest.category = "marketing";
      digest.channel = latest.channel;
      digest.status = "Queued";
      digest.address = latest.address;
      digest.language = content->language;
      digest.timezone = latest.timezone;
      digest.userName = latest.userName;
      digest.subject = content->subject;
      digest.text = content->text;
      digest.html = content->html;
      digest.variant = content->variant;
      digest.unsubscribeUrl = unsubscribe;
      digest.nextAttemptAt = now;
      digest.createdAt = now;
      store::insert(tx, digest);
      for (const auto& row : held) {
        if (tx.exec("UPDATE notification_deliveries SET digest_id = ?2 WHERE id = ?1 AND digest_id IS NULL AND "
                    "status = 'Queued'",
                    row.id, digest.id) == 0) {
          throw DigestRowsTaken{};  // rolls the digest back
        }
      }
    });
  }

  std::optional<std::chrono::milliseconds> step() {
    // A send whose outcome could not be recorded (the database refused the write) is left
    // claimed: like a crash mid-send, it becomes Failed, never sent again on its own.
    // With several instances every round: another instance's sender may have died mid-send.
    if (outcomeLost || shared) {
      outcomeLost = false;
      failInterrupted();
    }
    auto now = clock.nowMillis();
    formDigests(now);
    auto due = db.read([&](soci::session& sql) { return store::dueIds(sql, now, batchSize); });
    for (const auto& id : due) {
      if (worker->stopping()) break;
      sendOne(id);
    }
    if (static_cast<int>(due.size()) == batchSize) return std::chrono::milliseconds(0);
    // Sleep until the next retry or digest is due (a new delivery wakes the worker anyway).
    auto next = db.read([](soci::session& sql) { return store::nextDue(sql); });
    if (!next) return poll;
    auto wait = std::chrono::milliseconds(std::max<std::int64_t>(0, *next - clock.nowMillis()));
    return std::min(wait, poll);
  }
};

Deliveries::Deliveries(Database& store, const Templates& templates, const Config& config, const Clock& clock,
                       const Logger& log, Metrics& metrics, bool severalInstances)
    : state_(std::make_unique<State>(store, templates, config, clock, log, metrics, severalInstances)) {}

Deliveries::~Deliveries() { stop(); }

bool Deliveries::enqueue(Tx& tx, const NewDelivery& d) {
  auto& s = *state_;
  auto now = s.clock.nowMillis();
  store::DeliveryRow row;
  row.id = newUuid();
  row.sourceMessageId = d.sourceMessageId;
  row.correlationId = d.correlationId;
  row.userId = d.reader.userId;
  row.type = d.type;
  row.category = std::string(toString(d.category));
  row.channel = std::string(toString(d.channel));
  row.address = d.address;
  row.language = d.content.language.empty() ? d.reader.language : d.content.language;
  row.timezone = d.reader.timezone;
  row.userName = d.userName;
  row.subject = d.content.subject;
  row.text = d.content.text;
  row.html = d.content.html;
  row.variant = d.content.variant;
  row.unsubscribeUrl = d.unsubscribeUrl;
  row.createdAt = now;
  const bool inApp = d.channel == Channel::InApp;
  if (d.suppressedBecause) {
    row.status = "Suppressed";
    row.lastError = *d.suppressedBecause;
  } else if (!inApp && d.address.empty()) {
    row.status = "Suppressed";
    row.lastError = "no-address";
  } else if (d.address.size() > kMaxAddress) {
    row.status = "Suppressed";
    row.lastError = "address-too-long";
    row.address.resize(kMaxAddress);
  } else if (inApp) {
    // The in-app notification is the stored row itself: delivered once committed.
    row.status = "Sent";
    row.sentAt = now;
  } else {
    row.status = "Queued";
    row.nextAttemptAt = now;
    if (d.digestAt)
      row.digestAt = std::chrono::duration_cast<std::chrono::milliseconds>(d.digestAt->time_since_epoch()).count();
  }
  if (!store::insert(tx, row)) return false;
  if (row.status == "Sent") State::publishSent(tx, row, now);
  if (row.status == "Queued") tx.afterCommit([&s] { s.worker->wake(); });
  return true;
}

namespace {

boost::json::value optTime(const std::optional<std::int64_t>& ms) {
  return ms ? boost::json::value(formatUnixMillis(*ms)) : boost::json::value(nullptr);
}

// The answers below are described in api_schemas.cpp (InAppNotification, NotificationDelivery):
// a member added here is added there too.
boost::json::object inAppJson(const store::DeliveryRow& r) {
  return {{"id", r.id},
          {"type", r.type},
          {"title", r.subject},
          {"body", r.text},
          {"createdAt", formatUnixMillis(r.createdAt)},
          {"readAt", optTime(r.readAt)}};
}

boost::json::object deliveryJson(const store::DeliveryRow& r) {
  boost::json::object out{
      {"id", r.id},
      {"userId", r.userId},
      {"type", r.type},
      {"channel", r.channel},
      {"category", r.category},
      {"status", r.status},
      {"attempts", r.attempts},
      {"lastError", r.lastError.empty() ? boost::json::value(nullptr) : boost::json::value(r.lastError)},
      {"variant", r.variant},
      {"language", r.language},
      {"sourceMessageId", r.sourceMessageId},
      {"correlationId", r.correlationId},
      {"createdAt", formatUnixMillis(r.createdAt)},
      {"sentAt", optTime(r.sentAt)},
      {"nextAttemptAt", r.status == "Queued" ? optTime(r.nextAttemptAt) : boost::json::value(nullptr)},
      {"digestAt", optTime(r.digestAt)},
      {"digestId", r.digestId.empty() ? boost::json::value(nullptr) : boost::json::value(r.digestId)}};
  return out;
}

Problem notificationNotFound() { return Problem::notFound("No such notification."); }

// What the OpenAPI document says of each route (api_schemas.cpp has the shapes).
namespace api = openapi;

openapi::Operation inAppListDoc() {
  return {.summary = "Your in-app notifications, newest first",
          .query = openapi::pageParameters(
              {{"unread", api::enumeration({"true", "false"}), "true: only those not read yet."}}),
          .responses = {{200, "One page of notifications", api::pageOf(api::ref("InAppNotification"))}},
          .problems = {"validation"}};
}

openapi::Operation inAppReadDoc() {
  return {.summary = "Mark one of your in-app notifications read",
          .description =
              "Idempotent: reading it again keeps the first readAt. Another user's "
              "notification, or an unknown id, is 404.",
          .path = {{"id", api::uuid(), "The notification."}},
          .responses = {{200, "The notification, readAt set", api::ref("InAppNotification")}},
          .problems = {"not-found"}};
}

openapi::Operation deliveriesListDoc() {
  return {
      .summary = "Every delivery, newest first, filtered",
      .query = openapi::pageParameters({{"status", api_schemas::deliveryStatus(), {}},
                                        {"channel", api_schemas::channel(), {}},
                                        {"type", api::string(1, 64), "A notification type, e.g. OrderConfirmation."},
                                        {"userId", api::string(1, 128), "The recipient's user id."}}),
      .responses = {{200, "One page of deliveries", api::pageOf(api::ref("NotificationDelivery"))}},
      .problems = {"validation"}};
}

openapi::Operation retryDoc() {
  return {.summary = "Send a Failed delivery again",
          .description =
              "Queues it again, attempts back to 0, due now. A retried digest takes its failed "
              "members with it.",
          .path = {{"id", api::uuid(), "The delivery."}},
          .responses = {{200, "Queued again", api::ref("NotificationDelivery")}},
          .problems = {"not-found", "delivery-not-failed"}};
}

}  // namespace

void Deliveries::registerRoutes(Router& router) {
  using http::Method;
  using http::Request;
  using http::Response;
  auto& s = *state_;
  const std::string m = "notifications";

  api_schemas::defineSchemas(router.schemas());
  router
      .add(Method::Get, "/api/v1/notifications", m, Access::authenticated(),
           [&s](const Request& request, RequestContext& ctx) {
             json::Validation validation;
             bool unread = false;
             if (auto u = request.queryParam("unread")) {
               if (*u == "true") {
                 unread = true;
               } else if (*u != "false") {
                 validation.add("unread", "must be true or false");
               }
             }
             auto page = parsePageRequest(request);
             validation.throwIfAny();
             std::int64_t total = 0;
             auto rows = s.db.read(
                 [&](soci::session& sql) { return store::inApp(sql, ctx.caller().userId, unread, page, total); });
             boost::json::array items;
             for (const auto& r : rows) items.push_back(inAppJson(r));
             return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, total)));
           })
      .describe(inAppListDoc());

  router
      .add(Method::Post, "/api/v1/notifications/{id}/read", m, Access::authenticated(),
           [&s](const Request& request, RequestContext& ctx) {
             const auto& id = request.param("id");
             if (!isUuid(id)) throw notificationNotFound();
             const auto& user = ctx.caller().userId;
             auto now = s.clock.nowMillis();
             s.db.write([&](Tx& tx) {
               tx.exec(
                   "UPDATE notification_deliveries SET read_at = ?3 WHERE id = ?1 AND user_id = ?2 AND "
                   "channel = 'inApp' AND status = 'Sent' AND read_at IS NULL",
                   id, user, now);
             });
             auto row = s.db.read([&](soci::session& sql) { return store::find(sql, id); });
             // Another user's notification is not there for them (404, never 403).
             if (!row || row->userId != user || row->channel != "inApp" || row->status != "Sent")
               throw notificationNotFound();
             return Response::json(200, json::serialize(inAppJson(*row)));
           })
      .describe(inAppReadDoc());

  router
      .add(Method::Get, "/api/v1/admin/notifications/deliveries", m,
           Access::require(auth::Permission::NotificationsSend),
           [&s](const Request& request, RequestContext&) {
             json::Validation validation;
             store::Filter filter;
             if (auto v = request.queryParam("status")) {
               if (!parseDeliveryStatus(*v)) validation.add("status", "must be Queued, Sent, Failed or Suppressed");
               filter.status = v;
             }
             if (auto v = request.queryParam("channel")) {
               if (!parseChannel(*v)) validation.add("channel", "must be email, sms, push or inApp");
               filter.channel = v;
             }
             if (auto v = request.queryParam("type")) {
               if (v->empty() || v->size() > 64) validation.add("type", "must be 1-64 characters");
               filter.type = v;
             }
             if (auto v = request.queryParam("userId")) {
               if (v->empty() || v->size() > 128) validation.add("userId", "must be 1-128 characters");
               filter.userId = v;
             }
             auto page = parsePageRequest(request);
             validation.throwIfAny();
             std::int64_t total = 0;
             auto rows = s.db.read([&](soci::session& sql) { return store::list(sql, filter, page, total); });
             boost::json::array items;
             for (const auto& r : rows) items.push_back(deliveryJson(r));
             return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, total)));
           })
      .describe(deliveriesListDoc());

  router
      .add(Method::Post, "/api/v1/admin/notifications/deliveries/{id}/retry", m,
           Access::require(auth::Permission::NotificationsSend),
           [&s](const Request& request, RequestContext&) {
             const auto& id = request.param("id");
             if (!isUuid(id)) throw Problem::notFound("No such delivery.");
             auto now = s.clock.nowMillis();
             auto outcome = s.db.write([&](Tx& tx) {
               auto row = store::find(tx.sql(), id);
               if (!row) return 404;
               if (row->status != "Failed") return 409;
               // A member of a failed digest goes back to its own queue (the next digest takes it);
               // a retried digest takes its members back with it.
               tx.exec(
                   "UPDATE notification_deliveries SET status = 'Queued', attempts = 0, next_attempt_at = ?2, "
                   "sending_since = NULL, last_error = '', digest_id = NULL WHERE id = ?1",
                   id, now);
               if (row->type == "Digest") {
                 tx.exec(
                     "UPDATE notification_deliveries SET status = 'Queued', last_error = '' WHERE digest_id = ?1 "
                     "AND status = 'Failed'",
                     id);
               }
               tx.afterCommit([&s] { s.worker->wake(); });
               return 200;
             });
             if (outcome == 404) throw Problem::notFound("No such delivery.");
             if (outcome == 409) {
               throw Problem::conflict("delivery-not-failed", "The delivery has not failed.",
                                       "Only a Failed delivery can be retried.");
             }
             auto row = s.db.read([&](soci::session& sql) { return store::find(sql, id); });
             return Response::json(200, json::serialize(deliveryJson(*row)));
           })
      .describe(retryDoc());
}

void Deliveries::start() {
  auto& s = *state_;
  if (s.started) return;
  s.started = true;
  if (s.smtp.host.empty())
    s.log.warn("notifications.smtp.host is empty: email goes to the simulated provider (recorded, not sent)");
  s.failInterrupted();
  s.worker->start();
}

void Deliveries::stop() {
  if (state_ && state_->worker) state_->worker->stop();
}

}  // namespace boxoffice::notifications
