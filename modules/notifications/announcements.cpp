#include "announcements.hpp"

#include <algorithm>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::notifications {

Announcements::Announcements(Database& store, NotificationService& service, const Clock& clock, const Logger& log,
                             int batchSize)
    : store_(store),
      service_(service),
      clock_(clock),
      log_(log),
      batchSize_(std::max(1, batchSize)),
      worker_("notification-announcements", clock, log, [this]() -> std::optional<std::chrono::milliseconds> {
        // Work left: go on at once. Otherwise sleep until add() wakes us; the minute's poll only
        // covers a wake lost to a crash between commit and wake (the row is there at start).
        return runOnce() ? std::chrono::milliseconds(0) : std::chrono::milliseconds(60'000);
      }) {}

void Announcements::add(Tx& tx, const NewAnnouncement& a) {
  tx.exec(
      "INSERT INTO notification_announcements (announcement_id, event_id, sender_id, subject, body, recipients, "
      "created_at, event_name, correlation_id, cursor, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, "
      "(SELECT COUNT(DISTINCT user_id) FROM notification_buyers WHERE event_id = ?2), ?6, ?7, ?8, '', NULL)",
      a.announcementId, a.eventId, a.senderId, a.subject, a.body, a.createdAt, a.eventName, a.correlationId);
  tx.afterCommit([this] { worker_.wake(); });
}

bool Announcements::runOnce() {
  return store_.write([&](Tx& tx) {
    std::string id;
    std::string eventId;
    std::string eventName;
    std::string subject;
    std::string body;
    std::string correlationId;
    std::string cursor;
    // On PostgreSQL another instance's worker may be writing a batch of the same announcement:
    // its row stays locked until that commits, and this one takes the next announcement (or
    // none) instead of reading the same cursor and writing the same deliveries again.
    const char* claim = tx.dialect() == Dialect::Postgresql ? " FOR UPDATE SKIP LOCKED" : "";
    tx.sql() << "SELECT announcement_id, event_id, event_name, subject, body, correlation_id, cursor "
                "FROM notification_announcements WHERE finished_at IS NULL ORDER BY created_at, announcement_id "
                "LIMIT 1"
             << claim,
        soci::into(id), soci::into(eventId), soci::into(eventName), soci::into(subject), soci::into(body),
        soci::into(correlationId), soci::into(cursor);
    if (!tx.sql().got_data()) return false;
    std::vector<std::string> users;
    const long long limit = batchSize_;
    soci::rowset<soci::row> rows =
        (tx.sql().prepare << "SELECT DISTINCT user_id FROM notification_buyers WHERE event_id = :e AND user_id > :c "
                             "ORDER BY user_id LIMIT :n",
         soci::use(eventId), soci::use(cursor), soci::use(limit));
    for (const auto& row : rows) users.push_back(rows::text(row, 0));
    for (const auto& user : users) {
      service_.notifyOrSkip(tx,
                            Notification{"Announcement",
                                         user,
                                         {{"eventName", eventName}, {"subject", subject}, {"message", body}},
                                         id,
                                         correlationId},
                            log_);
    }
    if (static_cast<long long>(users.size()) < limit) {
      tx.exec("UPDATE notification_announcements SET cursor = ?2, finished_at = ?3 WHERE announcement_id = ?1", id,
              users.empty() ? cursor : users.back(), formatRfc3339(clock_.now()));
    } else {
      tx.exec("UPDATE notification_announcements SET cursor = ?2 WHERE announcement_id = ?1", id, users.back());
    }
    return true;
  });
}

void Announcements::start() { worker_.start(); }
void Announcements::stop() { worker_.stop(); }

}  // namespace boxoffice::notifications
