#include "boxoffice/kernel/ops_routes.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <unistd.h>

#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice {

namespace {

namespace api = openapi;

double residentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

void registerOpsRoutes(Router& router, Metrics& metrics,
                       const std::function<std::optional<std::string>()>& notReadyReason) {
  auto started = std::chrono::system_clock::now();
  auto startedSteady = std::chrono::steady_clock::now();
  metrics.describe("process_resident_memory_bytes", "gauge", "Resident memory of the process.");
  metrics.gaugeCallback("process_resident_memory_bytes", residentMemoryBytes);
  metrics.describe("process_uptime_seconds", "gauge", "Seconds since the process started.");
  metrics.gaugeCallback("process_uptime_seconds", [startedSteady] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - startedSteady).count();
  });
  metrics.describe("process_start_time_seconds", "gauge", "Start time of the process, Unix seconds.");
  metrics.gaugeCallback("process_start_time_seconds",
                        [started] { return static_cast<double>(toUnixMillis(started)) / 1000.0; });

  // The probes answer from memory, on the io thread: a saturated worker pool does not fail them.
  router
      .add(
          http::Method::Get, "/health", "ops", Access::anyone().unmetered(),
          [](const http::Request&, RequestContext&) { return http::Response::json(200, R"({"status":"ok"})"); },
          Execution::IoThread)
      .describe({.summary = "Liveness: the process answers",
                 .responses = {{200, "Alive", api::object({{"status", api::enumeration({"ok"})}})}}});
  router
      .add(
          http::Method::Get, "/ready", "ops", Access::anyone().unmetered(),
          [notReadyReason](const http::Request&, RequestContext&) {
            if (auto reason = notReadyReason()) throw Problem::unavailable(*reason);
            return http::Response::json(200, R"({"status":"ready"})");
          },
          Execution::IoThread)
      .describe({.summary = "Readiness: started and not stopping (503 otherwise)",
                 .responses = {{200, "Ready to serve", api::object({{"status", api::enumeration({"ready"})}})}},
                 .problems = {"unavailable"}});
  router
      .add(http::Method::Get, "/metrics", "ops", Access::anyone().unmetered(),
           [&metrics](const http::Request&, RequestContext&) {
             http::Response response;
             response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8";
             response.body = metrics.render();
             return response;
           })
      .describe({.summary = "Prometheus metrics (text exposition format 0.0.4)",
                 .responses = {{200, "Every metric of the process", std::nullopt, {"text/plain"}}}});
}

void registerDeadLetterRoutes(Router& router, DeadLetterAdmin& deadLetters) {
  auto access = Access::require(auth::Permission::SystemManage);
  router.schemas().define("DeadLetter", api::object({{"id", api::uuid()},
                                                     {"subscriber", api::string()},
                                                     {"messageId", api::uuid()},
                                                     {"topic", api::string()},
                                                     {"type", api::string()},
                                                     {"attempts", api::integer()},
                                                     {"error", api::string()},
                                                     {"deadAt", api::dateTime()},
                                                     {"replayedAt", api::nullable(api::dateTime())}}));
  router
      .add(http::Method::Get, "/api/v1/admin/dead-letters", "ops", access,
           [&deadLetters](const http::Request& request, RequestContext&) {
             auto page = parsePageRequest(request);
             auto found = deadLetters.list(page.offset(), page.size);
             boost::json::array items;
             for (const auto& d : found.items) {
               items.push_back({{"id", d.id},
                                {"subscriber", d.subscriber},
                                {"messageId", d.messageId},
                                {"topic", d.topic},
                                {"type", d.type},
                                {"attempts", d.attempts},
                                {"error", d.error},
                                {"deadAt", d.deadAt},
                                {"replayedAt", d.replayedAt ? boost::json::value(*d.replayedAt) : nullptr}});
             }
             return http::Response::json(
                 200, boost::json::serialize(pageEnvelope(std::move(items), page, found.totalItems)));
           })
      .describe({.summary = "Messages a subscriber gave up on, newest first",
                 .query = api::pageParameters(),
                 .responses = {{200, "One page of dead letters", api::pageOf(api::ref("DeadLetter"))}}});
  router
      .add(http::Method::Post, "/api/v1/admin/dead-letters/{id}/replay", "ops", access,
           [&deadLetters](const http::Request& request, RequestContext& context) {
             const auto& id = request.param("id");
             if (!deadLetters.replay(id)) throw Problem::notFound("No dead letter has the id " + id + ".");
             context.log.info("dead letter replayed", {{"deadLetterId", id}});
             return http::Response::json(
                 202, boost::json::serialize(boost::json::object{{"id", id}, {"status", "replaying"}}));
           })
      .describe({.summary = "Hand a dead letter to its subscriber again",
                 .responses = {{202, "Queued in the subscriber's inbox",
                                api::object({{"id", api::uuid()}, {"status", api::enumeration({"replaying"})}})}},
                 .problems = {"not-found"}});
}

}  // namespace boxoffice
