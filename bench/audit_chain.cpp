// Audit chain figures (docs/api/audit.md, "Figures"): appends per second the way the recorder
// appends (one read of the last hash and one insert per message, a batch of 128 per transaction
// as the inbox handles them, synchronous=FULL), then the time `boxoffice audit verify` takes
// to stream and check the whole chain.
//
//   build/audit_chain [data-dir] [records]     (default: a temp dir, 1,000,000 records)
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "boxoffice/audit/api.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/time.hpp"
#include "store.hpp"

using namespace boxoffice;
using Steady = std::chrono::steady_clock;

namespace {
double seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

Envelope sample(std::int64_t n) {
  Envelope e;
  e.messageId = newUuid();
  e.occurredAt = formatRfc3339(std::chrono::system_clock::now());
  e.topic = "orders";
  e.type = "OrderPlaced";
  e.correlationId = newUuid();
  e.causationId = e.correlationId;
  // About the size of a real OrderPlaced payload.
  e.payload = {{"orderId", newUuid()},
               {"userId", newUuid()},
               {"eventId", newUuid()},
               {"n", n},
               {"items", boost::json::array{{{"categoryId", "general"}, {"ticketCount", 2}}}},
               {"total", {{"amount", 5000}, {"currency", "EUR"}}}};
  return e;
}
}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path() / "boxoffice-audit-bench";
  std::int64_t records = argc > 2 ? std::stoll(argv[2]) : 1'000'000;
  constexpr std::int64_t kBatch = 128;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto sink = std::make_shared<LogSink>(std::cerr, LogLevel::Warn);
  Logger log(sink, "audit");
  Database db({dir / "audit.db", "audit"}, log);
  db.migrate(embeddedMigrations());

  auto start = Steady::now();
  for (std::int64_t done = 0; done < records;) {
    db.write([&](Tx& tx) {
      for (std::int64_t i = 0; i < kBatch && done < records; ++i, ++done) {
        auto e = sample(done);
        audit::store::append(tx, e, boost::json::serialize(e.toJson()), e.occurredAt);
      }
    });
  }
  double appendSeconds = seconds(Steady::now() - start);
  std::cout << "appended " << records << " records in " << appendSeconds << " s: " << records / appendSeconds
            << " appends/s (batches of " << kBatch << ", synchronous=FULL)\n";
  std::cout << "audit.db size: " << std::filesystem::file_size(dir / "audit.db") / (1024 * 1024) << " MiB (+ WAL)\n";

  start = Steady::now();
  auto result = audit::verify(db);
  double verifySeconds = seconds(Steady::now() - start);
  std::cout << "verify: " << result.records << " records in " << verifySeconds << " s ("
            << result.records / verifySeconds << " records/s), " << (result.intact() ? "intact" : "BROKEN") << "\n";
  return result.intact() ? 0 : 1;
}
