#include "routes.hpp"

#include <boost/json.hpp>

#include "boxoffice/audit/api.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "boxoffice/kernel/time.hpp"
#include "store.hpp"

namespace boxoffice::audit {

namespace {

using http::Method;
using http::Request;
using http::Response;

// A story longer than this is cut (the list route pages through any correlation id).
constexpr std::size_t kStoryLimit = 1000;
constexpr std::size_t kMaxFilterLength = 200;

boost::json::object recordJson(const Record& r) {
  boost::json::value payload;
  try {
    auto envelope = boost::json::parse(r.envelope);
    if (auto* p = envelope.as_object().if_contains("payload")) payload = *p;
  } catch (const std::exception&) {
    payload = nullptr;  // unreadable: verify names it; the list still shows the record
  }
  return {{"sequence", r.sequence},
          {"messageId", r.messageId},
          {"topic", r.topic},
          {"type", r.type},
          {"version", r.version},
          {"occurredAt", r.occurredAt},
          {"recordedAt", r.recordedAt},
          {"correlationId", r.correlationId},
          {"causationId", r.causationId},
          {"payload", std::move(payload)},
          {"hash", r.hash}};
}

std::optional<std::string> textParam(const Request& request, const std::string& name, json::Validation& validation) {
  auto value = request.queryParam(name);
  if (!value) return std::nullopt;
  if (value->empty() || value->size() > kMaxFilterLength) {
    validation.add(name, "must be 1 to " + std::to_string(kMaxFilterLength) + " characters");
  }
  return value;
}

std::optional<std::int64_t> timeParam(const Request& request, const std::string& name, json::Validation& validation) {
  auto value = request.queryParam(name);
  if (!value) return std::nullopt;
  auto parsed = parseRfc3339(*value);
  if (!parsed) {
    validation.add(name, "must be an RFC 3339 date-time in the years 1900 to 2200");
    return std::nullopt;
  }
  return toUnixMillis(*parsed);
}

}  // namespace

Routes::Routes(Database& store, AuditModule& module) : store_(store), module_(module) {}

void Routes::registerAll(Router& router) {
  namespace api = openapi;
  // Operations, not user management: the same permission as dead letters and their replay.
  auto admin = Access::require(auth::Permission::SystemManage);
  const std::string m = "audit";
  router.schemas().define(
      "AuditRecord",
      api::object({{"sequence", api::integer()},
                   {"messageId", api::string()},
                   {"topic", api::string()},
                   {"type", api::string()},
                   {"version", api::integer()},
                   {"occurredAt", api::dateTime()},
                   {"recordedAt", api::dateTime()},
                   {"correlationId", api::string()},
                   {"causationId", api::string()},
                   {"payload", api::described(api::anyValue(), "The message's payload as it was published.")},
                   {"hash", api::described(api::string(), "SHA-256 over the previous record's hash and this one.")}}));
  auto text = [](const char* name, const char* description) {
    return api::Parameter{name, api::string(1, kMaxFilterLength), description};
  };
  router.add(Method::Get, "/api/v1/admin/audit", m, admin, bindRoute(this, &Routes::list))
      .describe({.summary = "Every integration message, as stored, oldest first (Admin)",
                 .query = api::pageParameters({text("type", "Only messages of this type (e.g. OrderCompleted)."),
                                               text("topic", "Only messages on this topic."),
                                               text("correlationId", "Only messages of this purchase or request."),
                                               {"from", api::dateTime(), "Recorded at or after."},
                                               {"to", api::dateTime(), "Recorded at or before."}}),
                 .responses = {{200, "One page of records", api::pageOf(api::ref("AuditRecord"))}},
                 .problems = {"validation"}});
  router.add(Method::Get, "/api/v1/admin/audit/story/{correlationId}", m, admin, bindRoute(this, &Routes::story))
      .describe({.summary = "One purchase's whole path across the modules, in order (Admin)",
                 .path = {{"correlationId", api::string(), "The correlation id (an order's, or X-Request-Id)."}},
                 .responses = {{200, "The story",
                                api::object({{"correlationId", api::string()},
                                             {"items", api::arrayOf(api::ref("AuditRecord"))},
                                             {"truncated", api::described(api::boolean(),
                                                                          "More than 1,000 records: page through "
                                                                          "GET /api/v1/admin/audit for the rest.")}})}},
                 .problems = {"not-found"}});
  router.add(Method::Post, "/api/v1/admin/audit/replay", m, admin, bindRoute(this, &Routes::replay))
      .describe({.summary = "Deliver stored messages to one subscriber's inbox again (Admin)",
                 .description = "Messages the subscriber already handled are skipped (its inbox dedupes by "
                                "message id), so a replay rebuilds a lost read model without doing anything twice.",
                 .body = api::object({{"from", api::dateTime()},
                                      {"to", api::dateTime()},
                                      {"subscriber", api::string(1, 100)},
                                      api::optional("types", api::arrayOf(api::string()))}),
                 .responses = {{200, "What was replayed",
                                api::object({{"subscriber", api::string()},
                                             {"matched", api::integer()},
                                             {"delivered", api::integer()},
                                             {"skipped", api::integer()},
                                             {"notSubscribed", api::integer()}})}},
                 .problems = {"validation"}});
}

Response Routes::list(const Request& request, RequestContext& /*ctx*/) {
  json::Validation validation;
  store::ListFilter filter;
  filter.type = textParam(request, "type", validation);
  filter.topic = textParam(request, "topic", validation);
  filter.correlationId = textParam(request, "correlationId", validation);
  filter.fromMs = timeParam(request, "from", validation);
  filter.toMs = timeParam(request, "to", validation);
  if (filter.fromMs && filter.toMs && *filter.toMs < *filter.fromMs) validation.add("to", "must not be before from");
  PageRequest page;
  try {
    page = parsePageRequest(request);
  } catch (const Problem& problem) {
    for (const auto& e : problem.errors()) validation.add(e.field, e.message);
  }
  validation.throwIfAny();
  std::int64_t total = 0;
  auto items = store_.read([&](soci::session& sql) {
    boost::json::array out;
    for (const auto& r : store::list(sql, filter, page, total)) out.push_back(recordJson(r));
    return out;
  });
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, total)));
}

Response Routes::story(const Request& request, RequestContext& /*ctx*/) {
  const auto& correlationId = request.param("correlationId");
  auto records = correlationId.size() > kMaxFilterLength ? std::vector<Record>{} : store_.read([&](soci::session& sql) {
    return store::story(sql, correlationId, kStoryLimit + 1);
  });
  if (records.empty()) throw Problem::notFound("No audit record has correlationId '" + correlationId + "'.");
  const bool truncated = records.size() > kStoryLimit;  // one more was read only to know
  if (truncated) records.pop_back();
  boost::json::array items;
  for (const auto& r : records) items.push_back(recordJson(r));
  boost::json::object out{{"correlationId", correlationId}, {"items", std::move(items)}, {"truncated", truncated}};
  return Response::json(200, json::serialize(out));
}

Response Routes::replay(const Request& request, RequestContext& /*ctx*/) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  ReplayRequest ask;
  ask.from = in.requiredString("from", 1, 64);
  ask.to = in.requiredString("to", 1, 64);
  ask.subscriber = in.requiredString("subscriber", 1, 100);
  if (const auto* types = in.optionalArray("types", 100)) {
    for (std::size_t i = 0; i < types->size(); ++i) {
      if (!(*types)[i].is_string()) {
        validation.add("types[" + std::to_string(i) + "]", "must be a string");
        continue;
      }
      ask.types.emplace_back((*types)[i].get_string());
    }
  }
  in.rejectUnknown();
  validation.throwIfAny();
  auto result = module_.replay(ask);
  boost::json::object out{{"subscriber", result.subscriber},
                          {"matched", result.matched},
                          {"delivered", result.delivered},
                          {"skipped", result.skipped},
                          {"notSubscribed", result.notSubscribed}};
  return Response::json(200, json::serialize(out));
}

}  // namespace boxoffice::audit
