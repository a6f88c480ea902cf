#include "reminders.hpp"

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::notifications {

Reminders::Reminders(Database& store, NotificationService& service, const Clock& clock, const Logger& log,
                     ReminderSettings settings)
    : store_(store),
      service_(service),
      clock_(clock),
      settings_(settings),
      log_(log),
      worker_("notification-reminders", clock, log, [this]() -> std::optional<std::chrono::milliseconds> {
        // A full batch: more may be due at once; otherwise poll (purchases and reschedules add work).
        return runOnce() >= settings_.batchSize ? std::chrono::milliseconds(0) : settings_.pollInterval;
      }) {}

int Reminders::runOnce() {
  const auto now = clock_.now();
  const std::string nowText = formatRfc3339(now);
  const std::string horizon = formatRfc3339(now + settings_.lead);
  const long long limit = settings_.batchSize;
  return store_.write([&](Tx& tx) {
    struct Due {
      std::string eventId, userId, startsAt, name, venueName, venueCity;
      long long tickets;
    };
    std::vector<Due> due;
    soci::rowset<soci::row> rows =
        (tx.sql().prepare << "SELECT e.event_id, b.user_id, e.starts_at, e.name, e.venue_name, e.venue_city, "
                             "SUM(b.ticket_count) FROM notification_events e "
                             "JOIN notification_buyers b ON b.event_id = e.event_id "
                             "LEFT JOIN notification_reminders_sent r ON r.event_id = e.event_id "
                             "AND r.user_id = b.user_id AND r.starts_at = e.starts_at "
                             "WHERE e.status = 'Published' AND e.starts_at > :now AND e.starts_at <= :horizon "
                             "AND r.event_id IS NULL GROUP BY e.event_id, b.user_id ORDER BY e.starts_at LIMIT :n",
         soci::use(nowText), soci::use(horizon), soci::use(limit));
    for (const auto& row : rows) {
      due.push_back({rows::text(row, 0), rows::text(row, 1), rows::text(row, 2), rows::text(row, 3), rows::text(row, 4),
                     rows::text(row, 5), rows::integer(row, 6)});
    }
    int written = 0;
    for (const auto& d : due) {
      // Another instance's reminder worker may have written this one since the query (on
      // PostgreSQL the insert waits for it to commit): it is then its reminder to send, not ours.
      if (tx.exec("INSERT INTO notification_reminders_sent (event_id, user_id, starts_at, sent_at) "
                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                  d.eventId, d.userId, d.startsAt, nowText) == 0) {
        continue;
      }
      Variables v{{"eventName", d.name},
                  {"venueName", d.venueName},
                  {"venueCity", d.venueCity},
                  {"ticketCount", static_cast<std::int64_t>(d.tickets)}};
      if (auto start = parseRfc3339(d.startsAt))
        v["eventStart"] = DateTime{std::chrono::time_point_cast<std::chrono::seconds>(*start)};
      service_.notifyOrSkip(
          tx, Notification{"EventReminder", d.userId, std::move(v), "reminder:" + d.eventId + ":" + d.startsAt, ""},
          log_);
      ++written;
    }
    return written;
  });
}

void Reminders::start() { worker_.start(); }
void Reminders::stop() { worker_.stop(); }

}  // namespace boxoffice::notifications
