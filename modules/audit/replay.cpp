#include "replay.hpp"

#include <boost/json.hpp>
#include <stdexcept>

#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "store.hpp"

namespace boxoffice::audit {

ReplayResult replay(Database& store, MessageBus& bus, const ReplayRequest& request, const ReplayLimits& limits) {
  json::Validation validation;
  auto from = parseRfc3339(request.from);
  auto to = parseRfc3339(request.to);
  if (!from) validation.add("from", "must be an RFC 3339 date-time in the years 1900 to 2200");
  if (!to) validation.add("to", "must be an RFC 3339 date-time in the years 1900 to 2200");
  if (from && to && *to < *from) validation.add("to", "must not be before from");
  if (request.subscriber.empty()) validation.add("subscriber", "is required");
  if (request.types.size() > 100) validation.add("types", "must name at most 100 types");
  for (std::size_t i = 0; i < request.types.size(); ++i) {
    if (request.types[i].empty() || request.types[i].size() > 100) {
      validation.add("types[" + std::to_string(i) + "]", "must be 1 to 100 characters");
    }
  }
  validation.throwIfAny();
  // An unknown subscriber is refused before anything is read (no messages: nothing is queued).
  try {
    bus.deliverTo(request.subscriber, {});
  } catch (const std::invalid_argument&) {
    throw Problem::validation({{"subscriber", "no subscriber is named '" + request.subscriber + "'"}});
  }
  store::ReplayFilter filter{toUnixMillis(*from), toUnixMillis(*to), request.types};
  ReplayResult result;
  result.subscriber = request.subscriber;
  result.matched = store.read([&](soci::session& sql) { return store::countMatching(sql, filter); });
  if (result.matched > limits.maxMessages) {
    throw Problem::validation(
        {{"to", "the range holds " + std::to_string(result.matched) + " messages, more than the " +
                    std::to_string(limits.maxMessages) + " one replay may deliver: narrow from/to or name types"}});
  }
  std::vector<Envelope> batch;
  store::forEachMatching(store, filter, limits.chunkSize, [&](std::vector<Record>& records) {
    batch.clear();
    for (const auto& r : records) batch.push_back(Envelope::fromJson(boost::json::parse(r.envelope).as_object()));
    auto counts = bus.deliverTo(request.subscriber, batch);
    result.delivered += static_cast<std::int64_t>(counts.delivered);
    result.skipped += static_cast<std::int64_t>(counts.skipped);
    result.notSubscribed += static_cast<std::int64_t>(counts.notSubscribed);
  });
  return result;
}

}  // namespace boxoffice::audit
