#include "store.hpp"

#include <boost/json.hpp>
#include <deque>
#include <utility>

#include "boxoffice/kernel/message_json.hpp"
#include "search_query.hpp"

namespace boxoffice::events::store {

namespace {

constexpr const char* kColumns =
    "e.id, e.name, e.description, e.category, e.starts_at, e.ends_at, e.timezone, e.venue_name, "
    "e.venue_address, e.venue_city, e.venue_country, e.max_capacity, e.price_categories, e.organizer_id, "
    "e.status, e.created_at, e.updated_at, e.version";

// One fetched row, bound column by column with typed intos (integers as 64-bit, whatever the
// declared column type says).
struct Row {
  std::string id, name, description, category;
  long long startsAt = 0, endsAt = 0;
  std::string timezone, venueName, venueAddress, venueCity, venueCountry;
  long long maxCapacity = 0;
  std::string priceCategories, organizerId, status;
  long long createdAt = 0, updatedAt = 0, version = 0;

  void bind(soci::details::prepare_temp_type& p) {
    p, soci::into(id), soci::into(name), soci::into(description), soci::into(category), soci::into(startsAt),
        soci::into(endsAt), soci::into(timezone), soci::into(venueName), soci::into(venueAddress),
        soci::into(venueCity), soci::into(venueCountry), soci::into(maxCapacity), soci::into(priceCategories),
        soci::into(organizerId), soci::into(status), soci::into(createdAt), soci::into(updatedAt), soci::into(version);
  }

  Event toEvent() const {
    Event e;
    e.id = id;
    e.content.name = name;
    e.content.description = description;
    e.content.category = category;
    e.content.startsAt = fromUnixMillis(startsAt);
    e.content.endsAt = fromUnixMillis(endsAt);
    e.content.timezone = timezone;
    e.content.venue = {venueName, venueAddress, venueCity, venueCountry};
    e.content.maxCapacity = static_cast<int>(maxCapacity);
    e.content.priceCategories = fromJsonValue<std::vector<PriceCategory>>(boost::json::parse(priceCategories));
    e.organizerId = organizerId;
    e.status = parseStatus(status).value_or(Status::Draft);
    e.createdAt = fromUnixMillis(createdAt);
    e.updatedAt = fromUnixMillis(updatedAt);
    e.version = version;
    return e;
  }
};

// Named parameters for a query assembled at run time. Values live in deques so the references
// SOCI keeps stay valid while more are added.
class Binds {
 public:
  std::string text(std::string value) {
    auto name = nextName();
    texts_.emplace_back(name, std::move(value));
    return ":" + name;
  }
  std::string integer(long long value) {
    auto name = nextName();
    integers_.emplace_back(name, value);
    return ":" + name;
  }
  // The bound values, for cache keys.
  std::string key() const {
    std::string key;
    for (const auto& [name, value] : texts_) key.append(name).append(1, '=').append(value).append(1, '\x1f');
    for (const auto& [name, value] : integers_) key += name + '=' + std::to_string(value) + '\x1f';
    return key;
  }
  void apply(soci::details::prepare_temp_type& p) const {
    for (const auto& [name, value] : texts_) p, soci::use(value, name);
    for (const auto& [name, value] : integers_) p, soci::use(value, name);
  }

 private:
  std::string nextName() { return "p" + std::to_string(count_++); }
  int count_ = 0;
  std::deque<std::pair<std::string, std::string>> texts_;
  std::deque<std::pair<std::string, long long>> integers_;
};

std::vector<Event> fetchEvents(soci::session& sql, const std::string& query, const Binds& binds) {
  Row row;
  soci::details::prepare_temp_type prep = (sql.prepare << query);
  row.bind(prep);
  binds.apply(prep);
  soci::statement statement(prep);
  statement.execute();
  std::vector<Event> events;
  while (statement.fetch()) events.push_back(row.toEvent());
  return events;
}

long long fetchCount(soci::session& sql, const std::string& query, const Binds& binds) {
  long long count = 0;
  soci::details::prepare_temp_type prep = (sql.prepare << query);
  prep, soci::into(count);
  binds.apply(prep);
  soci::statement statement(prep);
  statement.execute(true);
  return count;
}

std::string priceCategoriesJson(const std::vector<PriceCategory>& categories) {
  return boost::json::serialize(toJsonValue(categories));
}

const char* orderBy(Sort sort) {
  switch (sort) {
    case Sort::StartsAtDesc:
      return " ORDER BY e.starts_at DESC, e.id DESC";
    case Sort::Name:
      return " ORDER BY e.name COLLATE NOCASE, e.id";
    case Sort::StartsAt:
      break;
  }
  return " ORDER BY e.starts_at, e.id";
}

}  // namespace

std::optional<Event> find(soci::session& sql, const std::string& id) {
  Binds binds;
  auto query =
      std::string("SELECT ") + kColumns + " FROM events e WHERE e.id = " + binds.text(id) + " AND e.is_active = 1";
  auto events = fetchEvents(sql, query, binds);
  if (events.empty()) return std::nullopt;
  return std::move(events.front());
}

Page list(soci::session& sql, const ListFilter& filter, const PageRequest& page, CountCache* counts) {
  Binds binds;
  std::string where = " WHERE e.is_active = 1";
  if (filter.publishedOnly) where += " AND e.status = 'Published'";
  if (filter.category) where += " AND e.category = " + binds.text(*filter.category);
  if (filter.startsFrom) where += " AND e.starts_at >= " + binds.integer(toUnixMillis(*filter.startsFrom));
  if (filter.startsUntil) where += " AND e.starts_at <= " + binds.integer(toUnixMillis(*filter.startsUntil));
  if (filter.city) where += " AND e.venue_city = " + binds.text(*filter.city) + " COLLATE NOCASE";
  if (filter.organizerId) where += " AND e.organizer_id = " + binds.text(*filter.organizerId);

  Page result;
  auto countQuery = "SELECT COUNT(*) FROM events e" + where;
  if (counts) {
    auto key = countQuery + '\n' + binds.key();
    auto generation = counts->generation();
    if (auto cached = counts->find(key)) {
      result.totalItems = *cached;
    } else {
      result.totalItems = fetchCount(sql, countQuery, binds);
      counts->put(key, generation, result.totalItems);
    }
  } else {
    result.totalItems = fetchCount(sql, countQuery, binds);
  }
  if (page.offset() < result.totalItems) {
    auto query = std::string("SELECT ") + kColumns + " FROM events e" + where + orderBy(filter.sort) + " LIMIT " +
                 binds.integer(page.size) + " OFFSET " + binds.integer(page.offset());
    result.items = fetchEvents(sql, query, binds);
  }
  return result;
}

Page search(soci::session& sql, const std::string& matchExpression, const PageRequest& page) {
  // events_search holds only Published, not deleted events (migration 0002), so counting and
  // ranking stay inside the FTS5 index; only the page's rows are read from `events`.
  Binds binds;
  auto match = binds.text(matchExpression);
  Page result;
  result.totalItems = fetchCount(sql, "SELECT COUNT(*) FROM events_search WHERE events_search MATCH " + match, binds);
  if (page.offset() < result.totalItems) {
    // Column weights: a hit in the name counts most, then venue/city/category, then description.
    auto query = std::string("SELECT ") + kColumns +
                 " FROM (SELECT rowid AS seq, bm25(events_search, 10.0, 1.0, 3.0, 3.0, 2.0) AS score"
                 " FROM events_search WHERE events_search MATCH " +
                 match + " ORDER BY score, rowid LIMIT " + binds.integer(page.size) + " OFFSET " +
                 binds.integer(page.offset()) +
                 ") f CROSS JOIN events e ON e.seq = f.seq"
                 " WHERE e.is_active = 1 AND e.status = 'Published' ORDER BY f.score, f.seq";
    result.items = fetchEvents(sql, query, binds);
  }
  return result;
}

Page searchPostgres(soci::session& sql, const std::string& matchExpression, const PageRequest& page) {
  Binds binds;
  auto match = binds.text(tsQueryOf(matchExpression));
  // The partial GIN index holds only Published, not deleted events, as events_search does.
  std::string from = " FROM events e, (SELECT to_tsquery('simple', extensions.unaccent(" + match +
                     ")) AS query) q WHERE e.is_active = 1 AND e.status = 'Published' AND e.search_document @@ q.query";
  Page result;
  result.totalItems = fetchCount(sql, "SELECT COUNT(*)" + from, binds);
  if (page.offset() < result.totalItems) {
    // {D, C, B, A}: description, category, venue and city, name (bm25's 1, 2, 3, 10 above).
    auto query = std::string("SELECT ") + kColumns + from +
                 " ORDER BY ts_rank('{0.1, 0.2, 0.3, 1.0}', e.search_document, q.query) DESC, e.seq LIMIT " +
                 binds.integer(page.size) + " OFFSET " + binds.integer(page.offset());
    result.items = fetchEvents(sql, query, binds);
  }
  return result;
}

void insert(soci::session& sql, const Event& e) {
  long long startsAt = toUnixMillis(e.content.startsAt);
  long long endsAt = toUnixMillis(e.content.endsAt);
  long long capacity = e.content.maxCapacity;
  long long created = toUnixMillis(e.createdAt);
  long long updated = toUnixMillis(e.updatedAt);
  long long version = e.version;
  std::string prices = priceCategoriesJson(e.content.priceCategories);
  std::string status(to_string(e.status));
  sql << "INSERT INTO events (id, name, description, category, starts_at, ends_at, timezone, venue_name, "
         "venue_address, venue_city, venue_country, max_capacity, price_categories, organizer_id, status, "
         "is_active, created_at, updated_at, version) VALUES (:id, :name, :description, :category, :startsAt, "
         ":endsAt, :timezone, :venueName, :venueAddress, :venueCity, :venueCountry, :capacity, :prices, "
         ":organizer, :status, 1, :created, :updated, :version)",
      soci::use(e.id, "id"), soci::use(e.content.name, "name"), soci::use(e.content.description, "description"),
      soci::use(e.content.category, "category"), soci::use(startsAt, "startsAt"), soci::use(endsAt, "endsAt"),
      soci::use(e.content.timezone, "timezone"), soci::use(e.content.venue.name, "venueName"),
      soci::use(e.content.venue.address, "venueAddress"), soci::use(e.content.venue.city, "venueCity"),
      soci::use(e.content.venue.country, "venueCountry"), soci::use(capacity, "capacity"), soci::use(prices, "prices"),
      soci::use(e.organizerId, "organizer"), soci::use(status, "status"), soci::use(created, "created"),
      soci::use(updated, "updated"), soci::use(version, "version");
}

bool update(soci::session& sql, const Event& e, std::int64_t expectedVersion) {
  long long startsAt = toUnixMillis(e.content.startsAt);
  long long endsAt = toUnixMillis(e.content.endsAt);
  long long capacity = e.content.maxCapacity;
  long long updated = toUnixMillis(e.updatedAt);
  long long version = e.version;
  long long expected = expectedVersion;
  std::string prices = priceCategoriesJson(e.content.priceCategories);
  std::string status(to_string(e.status));
  soci::statement statement =
      (sql.prepare << "UPDATE events SET name = :name, description = :description, category = :category, "
                      "starts_at = :startsAt, ends_at = :endsAt, timezone = :timezone, venue_name = :venueName, "
                      "venue_address = :venueAddress, venue_city = :venueCity, venue_country = :venueCountry, "
                      "max_capacity = :capacity, price_categories = :prices, organizer_id = :organizer, "
                      "status = :status, updated_at = :updated, version = :version "
                      "WHERE id = :id AND version = :expected AND is_active = 1",
       soci::use(e.content.name, "name"), soci::use(e.content.description, "description"),
       soci::use(e.content.category, "category"), soci::use(startsAt, "startsAt"), soci::use(endsAt, "endsAt"),
       soci::use(e.content.timezone, "timezone"), soci::use(e.content.venue.name, "venueName"),
       soci::use(e.content.venue.address, "venueAddress"), soci::use(e.content.venue.city, "venueCity"),
       soci::use(e.content.venue.country, "venueCountry"), soci::use(capacity, "capacity"), soci::use(prices, "prices"),
       soci::use(e.organizerId, "organizer"), soci::use(status, "status"), soci::use(updated, "updated"),
       soci::use(version, "version"), soci::use(e.id, "id"), soci::use(expected, "expected"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

bool softDelete(soci::session& sql, const std::string& id, std::int64_t expectedVersion, TimePoint at) {
  long long when = toUnixMillis(at);
  long long expected = expectedVersion;
  soci::statement statement =
      (sql.prepare << "UPDATE events SET is_active = 0, deleted_at = :at, updated_at = :at2, version = version + 1 "
                      "WHERE id = :id AND version = :expected AND is_active = 1",
       soci::use(when, "at"), soci::use(when, "at2"), soci::use(id, "id"), soci::use(expected, "expected"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

std::vector<Event> endedPublished(soci::session& sql, TimePoint now, int limit) {
  Binds binds;
  auto query = std::string("SELECT ") + kColumns +
               " FROM events e WHERE e.is_active = 1 AND e.status = 'Published' AND e.ends_at < " +
               binds.integer(toUnixMillis(now)) + " ORDER BY e.ends_at LIMIT " + binds.integer(limit);
  return fetchEvents(sql, query, binds);
}

std::vector<Category> categories(soci::session& sql) {
  std::vector<Category> result;
  Category row;
  soci::statement statement =
      (sql.prepare << "SELECT slug, name FROM categories ORDER BY slug", soci::into(row.slug), soci::into(row.name));
  statement.execute();
  while (statement.fetch()) result.push_back(row);
  return result;
}

bool categoryExists(soci::session& sql, const std::string& slug) {
  long long count = 0;
  sql << "SELECT COUNT(*) FROM categories WHERE slug = :slug", soci::use(slug), soci::into(count);
  return count > 0;
}

bool insertCategory(soci::session& sql, const Category& category, TimePoint at) {
  if (categoryExists(sql, category.slug)) return false;
  long long when = toUnixMillis(at);
  sql << "INSERT INTO categories (slug, name, created_at) VALUES (:slug, :name, :at)", soci::use(category.slug),
      soci::use(category.name), soci::use(when);
  return true;
}

bool flagSet(soci::session& sql, const std::string& name) {
  long long count = 0;
  sql << "SELECT COUNT(*) FROM module_flags WHERE name = :name", soci::use(name), soci::into(count);
  return count > 0;
}

void setFlag(soci::session& sql, const std::string& name, TimePoint at) {
  long long when = toUnixMillis(at);
  sql << "INSERT INTO module_flags (name, set_at) VALUES (:name, :at)", soci::use(name), soci::use(when);
}

}  // namespace boxoffice::events::store
