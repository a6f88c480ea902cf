#include "read_model.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/db.hpp"

namespace boxoffice::notifications::read_model {

namespace {
std::string namesToJson(const std::map<std::string, std::string>& names) {
  boost::json::object out;
  for (const auto& [id, name] : names) out[id] = name;
  return boost::json::serialize(out);
}
std::map<std::string, std::string> namesFromJson(const std::string& text) {
  std::map<std::string, std::string> names;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return names;  // written by saveEvent only: never expected
  for (const auto& [id, name] : parsed.as_object()) {
    if (name.is_string()) names.emplace(id, name.as_string());
  }
  return names;
}
}  // namespace

std::string Event::categoryName(const std::string& categoryId) const {
  auto it = categoryNames.find(categoryId);
  return it == categoryNames.end() || it->second.empty() ? categoryId : it->second;
}

void saveUser(Tx& tx, const User& user) {
  tx.exec(
      "INSERT INTO notification_users (user_id, email, display_name) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, display_name = excluded.display_name",
      user.userId, user.email, user.displayName);
}

std::optional<User> findUser(soci::session& sql, const std::string& userId) {
  User user;
  user.userId = userId;
  sql << "SELECT email, display_name FROM notification_users WHERE user_id = :id", soci::into(user.email),
      soci::into(user.displayName), soci::use(userId);
  if (!sql.got_data()) return std::nullopt;
  return user;
}

void saveEvent(Tx& tx, const Event& e) {
  tx.exec(
      "INSERT INTO notification_events (event_id, name, organizer_id, starts_at, ends_at, timezone, venue_name, "
      "venue_city, status, category_names, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
      "ON CONFLICT (event_id) DO UPDATE SET "
      "name = excluded.name, organizer_id = excluded.organizer_id, starts_at = excluded.starts_at, "
      "ends_at = excluded.ends_at, timezone = excluded.timezone, venue_name = excluded.venue_name, "
      "venue_city = excluded.venue_city, status = excluded.status, category_names = excluded.category_names, "
      "version = excluded.version "
      "WHERE excluded.version >= notification_events.version OR excluded.status = 'Deleted'",
      e.eventId, e.name, e.organizerId, e.startsAt, e.endsAt, e.timezone, e.venueName, e.venueCity, e.status,
      namesToJson(e.categoryNames), e.version);
}

std::optional<Event> findEvent(soci::session& sql, const std::string& eventId) {
  Event e;
  e.eventId = eventId;
  std::string names;
  long long version = 0;
  sql << "SELECT name, organizer_id, starts_at, ends_at, timezone, venue_name, venue_city, status, "
         "category_names, version FROM notification_events WHERE event_id = :id",
      soci::into(e.name), soci::into(e.organizerId), soci::into(e.startsAt), soci::into(e.endsAt),
      soci::into(e.timezone), soci::into(e.venueName), soci::into(e.venueCity), soci::into(e.status), soci::into(names),
      soci::into(version), soci::use(eventId);
  if (!sql.got_data()) return std::nullopt;
  e.categoryNames = namesFromJson(names);
  e.version = version;
  return e;
}

void addOrder(Tx& tx, const std::string& orderId, const std::string& eventId, const std::string& userId,
              int ticketCount) {
  tx.exec(
      "INSERT INTO notification_buyers (order_id, event_id, user_id, ticket_count) SELECT ?1, ?2, ?3, ?4 "
      "WHERE NOT EXISTS (SELECT 1 FROM notification_removed_orders WHERE order_id = ?1) "
      "ON CONFLICT (order_id) DO NOTHING",
      orderId, eventId, userId, static_cast<std::int64_t>(ticketCount));
}

void removeOrder(Tx& tx, const std::string& orderId) {
  tx.exec("DELETE FROM notification_buyers WHERE order_id = ?1", orderId);
  tx.exec("INSERT INTO notification_removed_orders (order_id) VALUES (?1) ON CONFLICT (order_id) DO NOTHING", orderId);
}

std::int64_t countBuyers(soci::session& sql, const std::string& eventId) {
  long long n = 0;
  sql << "SELECT COUNT(DISTINCT user_id) FROM notification_buyers WHERE event_id = :id", soci::use(eventId),
      soci::into(n);
  return n;
}

std::vector<Buyer> buyersOf(Tx& tx, const std::string& eventId) {
  std::vector<Buyer> out;
  soci::rowset<soci::row> rows =
      (tx.sql().prepare << "SELECT user_id, SUM(ticket_count) FROM notification_buyers WHERE event_id = :id "
                           "GROUP BY user_id ORDER BY user_id",
       soci::use(eventId));
  for (const auto& row : rows) out.push_back({rows::text(row, 0), static_cast<int>(rows::integer(row, 1))});
  return out;
}

}  // namespace boxoffice::notifications::read_model
