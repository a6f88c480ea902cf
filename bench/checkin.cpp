// Check-in figures (docs/performance.md, "Check-in"): one event with 10,000 tickets issued through
// the tickets service on a real tickets.db (synchronous=FULL), then every ticket scanned once by
// concurrent gates (as a granted Scanner) through TicketService::checkIn, the code POST
// /api/v1/checkin runs after parsing and the token check (each
// scan: a read, then a write transaction that marks it, records the scan and publishes
// TicketCheckedIn; concurrent scans share a group commit). Reference in the same run: one durable
// single-row UPDATE per transaction on the same disk. Also QR payload verifications per second
// in process (parse + Ed25519 verify), against libsodium's bare verify of the same bytes.
//
//   build/checkin_bench [tickets] [gates]     (default 10,000 tickets, 32 gates)
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <sodium.h>
#include <thread>
#include <vector>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "service.hpp"
#include "store.hpp"
#include "ticket_signature.hpp"

using namespace boxoffice;
using namespace boxoffice::tickets;
using Steady = std::chrono::steady_clock;

namespace {

const std::string kOrganizer = "0d3e0000-0000-4000-8000-0000000000aa";
const std::string kBuyer = "0d3e0000-0000-4000-8000-0000000000bb";
const std::string kEvent = "0d3e0000-0000-4000-8000-0000000000ee";

double seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

class OneEvent final : public events::EventQueries {
 public:
  std::optional<events::EventView> findEvent(const std::string& eventId) const override {
    if (eventId != kEvent) return std::nullopt;
    events::EventView e;
    e.eventId = kEvent;
    e.name = "Bench Night";
    e.organizerId = kOrganizer;
    e.status = "Published";
    e.startsAt = "2031-06-01T19:00:00Z";
    e.endsAt = "2031-06-01T23:00:00Z";
    e.priceCategories = {{"general", "General", {2500, "EUR"}, 1'000'000}};
    return e;
  }
};

class OneUser final : public identity::UserDirectory {
 public:
  std::optional<identity::UserSummary> findUser(const std::string& /*userId*/) const override {
    return identity::UserSummary{kBuyer, "buyer@example.com", "Bench Buyer", {}, ""};
  }
  std::optional<identity::UserSummary> findUserByEmail(const std::string& /*email*/) const override {
    return std::nullopt;
  }
};

// Durable single-row transactions per second: the rate without group commit.
double singleTransactionRate(const std::filesystem::path& dir, const Logger& log, int count) {
  Database db({dir / "reference.db", "reference"}, log);
  db.write([](Tx& tx) { tx.executeScript("CREATE TABLE r (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"); });
  db.write([](Tx& tx) { tx.exec("INSERT INTO r (id, n) VALUES (1, 0)"); });
  auto start = Steady::now();
  for (int i = 0; i < count; ++i) db.write([&](Tx& tx) { tx.exec("UPDATE r SET n = ? WHERE id = 1", i); });
  return count / seconds(Steady::now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  const int tickets = argc > 1 ? std::stoi(argv[1]) : 10'000;
  const int gates = argc > 2 ? std::stoi(argv[2]) : 32;
  auto dir = std::filesystem::temp_directory_path() / "boxoffice-checkin-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto sink = std::make_shared<LogSink>(std::cerr, LogLevel::Warn);
  Logger log(sink, "tickets");
  Metrics metrics;
  SystemClock clock;
  Database db({dir / "tickets.db", "tickets"}, log);
  db.migrate(embeddedMigrations());
  std::array<unsigned char, 32> sealing{};
  randombytes_buf(sealing.data(), sealing.size());
  KeyRing keys(db, sealing);
  OneEvent events;
  OneUser users;
  EventAccess access(db, events);
  TicketService service(db, keys, access, users, clock, log, metrics);

  orders::messages::OrderCompleted order;
  order.orderId = "0d3e0000-0000-4000-8000-000000000001";
  order.userId = kBuyer;
  order.eventId = kEvent;
  order.items = {{"general", tickets, {2500, "EUR"}, {}}};
  auto issueStart = Steady::now();
  db.write([&](Tx& tx) { service.issue(tx, order, "bench"); });
  auto issueSeconds = seconds(Steady::now() - issueStart);
  std::vector<Ticket> all;
  db.read(
      [&](soci::session& sql) { store::forEachTicketOf(sql, kEvent, 0, [&](const Ticket& t) { all.push_back(t); }); });

  // QR verification in process: what a scanner app (or the server) does per scan.
  auto verifyStart = Steady::now();
  int verified = 0;
  for (const auto& t : all) {
    auto claim = readClaim(t.payload);
    auto key = claim ? keys.publicKey(claim->keyId) : std::nullopt;
    if (key && verifyPayload(t.payload, *key)) ++verified;
  }
  auto verifyRate = static_cast<double>(all.size()) / seconds(Steady::now() - verifyStart);
  // The bare signature check on the same message sizes, as the reference.
  auto pair = SigningKeyPair::generate();
  std::string message(50, 'm');
  std::array<unsigned char, 64> signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), reinterpret_cast<const unsigned char*>(pair.secretKey().data()));
  auto bareStart = Steady::now();
  int bareOk = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    bareOk += crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                          message.size(), pair.publicKey().data()) == 0;
  }
  auto bareRate = static_cast<double>(all.size()) / seconds(Steady::now() - bareStart);

  // A Scanner the organizer granted, as at a real door: each scan also reads the event (who
  // organizes it) and the grant.
  auth::Principal door{"0d3e0000-0000-4000-8000-0000000000ad", "door@example.com", {auth::Role::User}};
  db.write([&](Tx& tx) { store::insertScanner(tx, {kEvent, door.userId, door.email, kOrganizer, 0}); });
  std::atomic<std::size_t> next{0};
  std::atomic<int> admitted{0};
  auto checkinStart = Steady::now();
  {
    std::vector<std::jthread> threads;
    threads.reserve(static_cast<std::size_t>(gates));
    for (int g = 0; g < gates; ++g) {
      threads.emplace_back([&, g] {
        const std::string gate = "gate-" + std::to_string(g);
        for (auto i = next++; i < all.size(); i = next++) {
          // Alternate the two ways a door identifies a ticket.
          CheckInAsk ask{std::nullopt, std::nullopt, kEvent, gate};
          if (i % 2 == 0) {
            ask.payload = all[i].payload;
          } else {
            ask.code = all[i].code;
          }
          service.checkIn(door, ask, "bench");
          ++admitted;
        }
      });
    }
  }
  auto checkinSeconds = seconds(Steady::now() - checkinStart);
  auto checkinRate = admitted / checkinSeconds;
  auto reference = singleTransactionRate(dir, log, 2000);

  std::cout << "tickets issued:            " << tickets << " in " << issueSeconds << " s ("
            << static_cast<long>(tickets / issueSeconds) << "/s, one transaction)\n";
  std::cout << "QR verifications:          " << static_cast<long>(verifyRate) << "/s in process (" << verified << " of "
            << all.size() << " verified); bare Ed25519 verify " << static_cast<long>(bareRate) << "/s (" << bareOk
            << "); ratio " << verifyRate / bareRate << "\n";
  std::cout << "check-ins:                 " << admitted << " in " << checkinSeconds
            << " s = " << static_cast<long>(checkinRate) << "/s durable, " << gates << " gates\n";
  std::cout << "reference (1 durable UPDATE per transaction): " << static_cast<long>(reference)
            << "/s; check-ins / reference = " << checkinRate / reference << "\n";
  std::filesystem::remove_all(dir);
  return admitted == tickets && verified == tickets ? 0 : 1;
}
