#include "stats.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "store.hpp"

namespace boxoffice::tickets {

namespace {
constexpr std::int64_t kBucketMs = 5LL * 60 * 1000;
}  // namespace

std::string statsDocument(soci::session& sql, const std::string& eventId) {
  auto categories = store::countsByCategory(sql, eventId);
  auto buckets = store::admissionsPerBucket(sql, eventId, kBucketMs);
  boost::json::array perCategory;
  std::int64_t sold = 0;
  std::int64_t admitted = 0;
  for (const auto& c : categories) {
    perCategory.push_back(
        {{"categoryId", c.categoryId}, {"categoryName", c.categoryName}, {"sold", c.sold}, {"admitted", c.admitted}});
    sold += c.sold;
    admitted += c.admitted;
  }
  boost::json::array perFiveMinutes;
  for (const auto& [start, count] : buckets) {
    perFiveMinutes.push_back({{"from", formatRfc3339(fromUnixMillis(start))}, {"admitted", count}});
  }
  return json::serialize(boost::json::object{{"eventId", eventId},
                                             {"sold", sold},
                                             {"admitted", admitted},
                                             {"categories", std::move(perCategory)},
                                             {"perFiveMinutes", std::move(perFiveMinutes)}});
}

}  // namespace boxoffice::tickets
