#pragma once
// SQL over the module's own database (events.db). Every function takes the session to run on,
// so the service decides what runs in a read and what runs inside one write transaction.
// Deleted (is_active = 0) rows are invisible to every function here except the sweeper's.
// Search uses SQLite FTS5 (events_search), or on PostgreSQL the events.search_document tsvector
// (searchPostgres; migrations/events/0001_catalogue.postgresql.sql).
#include <cstdint>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <vector>

#include "boxoffice/kernel/paging.hpp"
#include "count_cache.hpp"
#include "model.hpp"

namespace boxoffice::events::store {

enum class Sort { StartsAt, StartsAtDesc, Name };

struct ListFilter {
  std::optional<std::string> category;
  std::optional<TimePoint> startsFrom;   // inclusive
  std::optional<TimePoint> startsUntil;  // inclusive
  std::optional<std::string> city;       // ASCII case-insensitive
  std::optional<std::string> organizerId;
  bool publishedOnly = true;
  Sort sort = Sort::StartsAt;
};

struct Page {
  std::vector<Event> items;
  std::int64_t totalItems = 0;
};

std::optional<Event> find(soci::session& sql, const std::string& id);
// `counts`, if given, supplies and remembers the total for this filter.
Page list(soci::session& sql, const ListFilter& filter, const PageRequest& page, CountCache* counts = nullptr);
// Published events matching an FTS5 expression (see search_query.hpp), best bm25 rank first.
Page search(soci::session& sql, const std::string& matchExpression, const PageRequest& page);
// The same search on PostgreSQL, best ts_rank first (weights as bm25's: name, then venue and
// city, then category, then description); ties in creation order.
Page searchPostgres(soci::session& sql, const std::string& matchExpression, const PageRequest& page);

void insert(soci::session& sql, const Event& event);
// Writes `next` (content, owner, status, updatedAt, version) if the stored version is still
// `expectedVersion`: one conditional UPDATE, so of two concurrent edits only one can win.
bool update(soci::session& sql, const Event& e, std::int64_t expectedVersion);
bool softDelete(soci::session& sql, const std::string& id, std::int64_t expectedVersion, TimePoint at);
// Published events whose endsAt has passed (for the completion sweeper), oldest first.
std::vector<Event> endedPublished(soci::session& sql, TimePoint now, int limit);

std::vector<Category> categories(soci::session& sql);
bool categoryExists(soci::session& sql, const std::string& slug);
// false if the slug exists already.
bool insertCategory(soci::session& sql, const Category& category, TimePoint at);

bool flagSet(soci::session& sql, const std::string& name);
void setFlag(soci::session& sql, const std::string& name, TimePoint at);

}  // namespace boxoffice::events::store
