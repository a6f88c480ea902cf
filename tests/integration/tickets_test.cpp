// Tickets and admission over HTTP: a purchase yields signed tickets a scanner verifies with the
// published key (checked here with OpenSSL, independently of the server's libsodium), check-in
// admits once, refunds and transfers stop old QR codes, offline gates sync, and nobody reaches
// another person's tickets or another event's door.
#include <algorithm>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <optional>
#include <set>

#include "checkout_helpers.hpp"
#include "ed25519.hpp"
#include "sqlite_query.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::testing::checkout;
using boxoffice::test_support::eventually;

namespace {

std::string uuid() {
  static std::atomic<unsigned> n{0};
  char text[37];
  std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012x", n++);
  return text;
}

// Waits until `buyer` holds `count` tickets of the event (issuing follows OrderCompleted).
boost::json::array ticketsOfBuyer(TestServer& server, const std::string& token, const std::string& eventId,
                                  std::size_t count) {
  boost::json::array items;
  bool arrived = eventually([&] {
    auto r = server.get("/api/v1/tickets?eventId=" + eventId + "&size=100", TestServer::bearer(token));
    if (r.status != 200) return false;
    items = r.json().at("items").as_array();
    return items.size() >= count;
  });
  REQUIRE_MESSAGE(arrived, "tickets did not arrive: " << items.size() << " of " << count);
  return items;
}

struct Purchase {
  Show show;
  MintedToken buyer;
  std::string orderId;
  boost::json::array tickets;
};

Purchase buyTickets(TestServer& server, const Items& items, int generalSeats = 20) {
  Purchase p{showOnSale(server, generalSeats), mintToken("User"), {}, {}};
  p.orderId = placeOrder(server, p.buyer.token, p.show.id, items);
  REQUIRE(statusOf(awaitOrder(server, p.buyer.token, p.orderId)) == "Completed");
  std::size_t count = 0;
  for (const auto& [category, n] : items) count += static_cast<std::size_t>(n);
  p.tickets = ticketsOfBuyer(server, p.buyer.token, p.show.id, count);
  return p;
}

HttpResult checkIn(TestServer& server, const std::string& token, const boost::json::object& body) {
  return server.post("/api/v1/checkin", json(body), TestServer::bearer(token));
}

std::string field(const boost::json::value& ticket, const char* name) { return str(ticket.at(name)); }

}  // namespace

TEST_CASE("tickets: a purchase yields one valid ticket per seat whose QR verifies with the published key") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 2}, {"vip", 1}});
  REQUIRE(p.tickets.size() == 3);
  auto keysAnswer = server.get("/api/v1/admission/keys");
  REQUIRE(keysAnswer.status == 200);
  auto keys = keysAnswer.json().at("keys").as_array();
  std::set<std::string> codes;
  int vip = 0;
  for (const auto& t : p.tickets) {
    CHECK(field(t, "status") == "Valid");
    CHECK(field(t, "orderId") == p.orderId);
    CHECK(field(t, "code").size() == 8);
    codes.insert(field(t, "code"));
    if (field(t, "categoryId") == "vip") {
      ++vip;
      CHECK(field(t, "categoryName") == "VIP");
    }
    // BX1.<base64url(body || signature)>, signed over "BX1." || body with the organizer's key.
    auto payload = field(t, "qrPayload");
    REQUIRE(payload.rfind("BX1.", 0) == 0);
    auto raw = base64UrlDecode(payload.substr(4));
    REQUIRE(raw);
    REQUIRE(raw->size() > 64);
    auto body = raw->substr(0, raw->size() - 64);
    auto signature = raw->substr(raw->size() - 64);
    // version (1) | ticket id (16) | event id (16) | category (1 + n) | key id (1 + n).
    REQUIRE(body.size() > 34);
    CHECK(body[0] == '\x01');
    auto categoryLength = static_cast<unsigned char>(body[33]);
    CHECK(body.substr(34, categoryLength) == field(t, "categoryId"));
    auto kidAt = 34 + static_cast<std::size_t>(categoryLength);
    REQUIRE(kidAt < body.size());
    auto kid = body.substr(kidAt + 1, static_cast<unsigned char>(body[kidAt]));
    CHECK(kidAt + 1 + kid.size() == body.size());
    REQUIRE_FALSE(kid.empty());
    std::optional<std::string> publicKey;
    for (const auto& k : keys) {
      if (str(k.at("kid")) == kid) {
        CHECK(str(k.at("kty")) == "OKP");
        CHECK(str(k.at("crv")) == "Ed25519");
        CHECK(str(k.at("organizerId")) == p.show.organizerId);
        publicKey = base64UrlDecode(str(k.at("x")));
      }
    }
    REQUIRE(publicKey);
    CHECK(verifyEd25519(*publicKey, "BX1." + body, signature));
    auto tampered = body;
    tampered[5] = static_cast<char>(tampered[5] ^ 1);
    CHECK_FALSE(verifyEd25519(*publicKey, "BX1." + tampered, signature));
  }
  CHECK(vip == 1);
  CHECK(codes.size() == 3);
  // Redelivery is the unit tests' (service_test.cpp); here: the three seats are three tickets.
  auto again = server.get("/api/v1/tickets?eventId=" + p.show.id, TestServer::bearer(p.buyer.token));
  CHECK(again.json().at("totalItems") == 3);
}

TEST_CASE("tickets: the holder, the organizer and an Admin see a ticket, anyone else gets 404") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 1}});
  auto id = field(p.tickets[0], "ticketId");
  auto stranger = mintToken("User");
  auto otherOrganizer = mintToken("Organizer");
  auto admin = mintToken("Admin");
  CHECK(server.get("/api/v1/tickets/" + id, TestServer::bearer(p.buyer.token)).status == 200);
  CHECK(server.get("/api/v1/tickets/" + id, TestServer::bearer(p.show.organizerToken)).status == 200);
  CHECK(server.get("/api/v1/tickets/" + id, TestServer::bearer(admin.token)).status == 200);
  for (const auto& path : {"", "/qr.svg", "/qr.png", "/print"}) {
    checkProblem(server.get("/api/v1/tickets/" + id + path, TestServer::bearer(stranger.token)), 404,
                 "ticket-not-found");
    checkProblem(server.get("/api/v1/tickets/" + id + path, TestServer::bearer(otherOrganizer.token)), 404,
                 "ticket-not-found");
  }
  CHECK(server.get("/api/v1/tickets/" + id).status == 401);
  checkProblem(server.get("/api/v1/tickets/not-a-uuid", TestServer::bearer(p.buyer.token)), 404, "ticket-not-found");
  // Lists are one's own.
  CHECK(server.get("/api/v1/tickets", TestServer::bearer(stranger.token)).json().at("totalItems") == 0);
  checkProblem(server.get("/api/v1/events/" + p.show.id + "/tickets", TestServer::bearer(stranger.token)), 404);
  checkProblem(server.get("/api/v1/events/" + p.show.id + "/tickets", TestServer::bearer(otherOrganizer.token)), 404);
  CHECK(server.get("/api/v1/events/" + p.show.id + "/tickets", TestServer::bearer(p.show.organizerToken)).status ==
        200);
}

TEST_CASE("tickets: QR as SVG and PNG, and a printable page with the code, event and holder") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"vip", 1}});
  auto id = field(p.tickets[0], "ticketId");
  auto svg = server.get("/api/v1/tickets/" + id + "/qr.svg", TestServer::bearer(p.buyer.token));
  REQUIRE(svg.status == 200);
  CHECK(svg.headers.at("content-type") == "image/svg+xml");
  CHECK(svg.body.find("<svg") != std::string::npos);
  auto png = server.get("/api/v1/tickets/" + id + "/qr.png?scale=4", TestServer::bearer(p.buyer.token));
  REQUIRE(png.status == 200);
  CHECK(png.headers.at("content-type") == "image/png");
  CHECK(png.body.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  checkProblem(server.get("/api/v1/tickets/" + id + "/qr.png?scale=500", TestServer::bearer(p.buyer.token)), 400,
               "validation");
  auto page = server.get("/api/v1/tickets/" + id + "/print", TestServer::bearer(p.buyer.token));
  REQUIRE(page.status == 200);
  CHECK(page.headers.at("content-type").rfind("text/html", 0) == 0);
  auto code = field(p.tickets[0], "code");
  CHECK(page.body.find(code.substr(0, 4) + " " + code.substr(4)) != std::string::npos);
  CHECK(page.body.find("Checkout Night") != std::string::npos);
  CHECK(page.body.find("VIP") != std::string::npos);
  CHECK(page.body.find("<svg") != std::string::npos);
  CHECK(page.body.find("<script") == std::string::npos);
}

TEST_CASE("checkin: admits once, the second scan is 409 with the first scan's time and gate") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 2}});
  auto payload = field(p.tickets[0], "qrPayload");
  auto first = checkIn(server, p.show.organizerToken, {{"payload", payload}, {"gate", "North"}});
  REQUIRE_MESSAGE(first.status == 200, first.body);
  CHECK(first.json().at("admitted") == true);
  CHECK(first.json().at("categoryName") == "General");
  CHECK(first.json().at("gate") == "North");
  auto second = checkIn(server, p.show.organizerToken, {{"payload", payload}, {"gate", "South"}});
  checkProblem(second, 409, "already-checked-in");
  CHECK(second.json().at("gate") == "North");
  CHECK(second.json().at("checkedInAt") == first.json().at("checkedInAt"));
  // The door turns the person away by name: who holds it and in which category.
  CHECK(second.json().at("holderName") == first.json().at("holderName"));
  CHECK(second.json().at("categoryName") == "General");
  // By code, typed in lower case with a dash.
  auto code = field(p.tickets[1], "code");
  auto typed = code.substr(0, 4) + "-" + code.substr(4);
  std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char c) { return std::tolower(c); });
  CHECK(checkIn(server, p.show.organizerToken, {{"code", typed}}).status == 200);
  checkProblem(checkIn(server, p.show.organizerToken, {{"code", "ZZZZZZZZ"}}), 404, "ticket-not-found");
  // The buyer is no scanner.
  checkProblem(checkIn(server, p.buyer.token, {{"code", code}}), 404, "ticket-not-found");
  // Neither or both of code and payload; unknown fields; a gate too long.
  checkProblem(checkIn(server, p.show.organizerToken, {{"gate", "x"}}), 400, "validation");
  checkProblem(checkIn(server, p.show.organizerToken, {{"code", code}, {"payload", payload}}), 400, "validation");
  checkProblem(checkIn(server, p.show.organizerToken, {{"code", code}, {"extra", 1}}), 400, "validation");
  checkProblem(checkIn(server, p.show.organizerToken, {{"code", code}, {"gate", std::string(65, 'g')}}), 400,
               "validation");
  auto stats = server.get("/api/v1/events/" + p.show.id + "/checkin-stats", TestServer::bearer(p.show.organizerToken));
  REQUIRE(stats.status == 200);
  CHECK(stats.json().at("sold") == 2);
  CHECK(stats.json().at("admitted") == 2);
  CHECK(stats.json().at("perFiveMinutes").as_array().size() >= 1);
}

TEST_CASE("checkin: a forged or altered payload is 400 and says nothing about the ticket") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 1}});
  auto payload = field(p.tickets[0], "qrPayload");
  auto altered = payload;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  auto r = checkIn(server, p.show.organizerToken, {{"payload", altered}});
  checkProblem(r, 400, "invalid-ticket-signature");
  CHECK(r.body.find(field(p.tickets[0], "ticketId")) == std::string::npos);
  checkProblem(checkIn(server, p.show.organizerToken, {{"payload", "BX1.garbage"}}), 400, "invalid-ticket-signature");
  checkProblem(checkIn(server, p.show.organizerToken, {{"payload", "hello"}}), 400, "invalid-ticket-signature");
  // Truncated: the signature is cut.
  checkProblem(checkIn(server, p.show.organizerToken, {{"payload", payload.substr(0, payload.size() - 8)}}), 400,
               "invalid-ticket-signature");
  // The genuine one still admits.
  CHECK(checkIn(server, p.show.organizerToken, {{"payload", payload}}).status == 200);
}

TEST_CASE("checkin: of two simultaneous scans of one ticket at two gates exactly one admits") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 3}});
  for (const auto& ticket : p.tickets) {
    auto payload = field(ticket, "qrPayload");
    std::atomic<int> admitted{0};
    std::atomic<int> refused{0};
    runConcurrently(8, [&](int i) {
      auto r = checkIn(server, p.show.organizerToken, {{"payload", payload}, {"gate", "gate-" + std::to_string(i)}});
      if (r.status == 200) ++admitted;
      if (r.status == 409) ++refused;
    });
    CHECK(admitted == 1);
    CHECK(refused == 7);
  }
}

TEST_CASE("checkin: a Scanner granted for event A checks in there, not at event B") {
  TestServer server(shopOptions());
  auto a = buyTickets(server, {{"general", 1}});
  auto b = buyTickets(server, {{"general", 1}});
  auto scannerEmail = "door-" + std::to_string(std::rand()) + "@example.com";
  auto scanner = server.tokenFor("User", scannerEmail);
  auto grant = server.post("/api/v1/events/" + a.show.id + "/scanners", json({{"email", scannerEmail}}),
                           TestServer::bearer(a.show.organizerToken));
  REQUIRE_MESSAGE(grant.status == 201, grant.body);
  // Only the event's organizer grants.
  checkProblem(server.post("/api/v1/events/" + b.show.id + "/scanners", json({{"email", scannerEmail}}),
                           TestServer::bearer(a.show.organizerToken)),
               404);
  checkProblem(server.post("/api/v1/events/" + a.show.id + "/scanners", json({{"email", scannerEmail}}),
                           TestServer::bearer(scanner)),
               404);
  checkProblem(checkIn(server, scanner, {{"payload", field(b.tickets[0], "qrPayload")}}), 404, "ticket-not-found");
  checkProblem(checkIn(server, scanner, {{"code", field(b.tickets[0], "code")}}), 404, "ticket-not-found");
  // A gate of event A refuses a ticket of event B even for someone who may scan both.
  checkProblem(
      checkIn(server, mintToken("Admin").token, {{"code", field(b.tickets[0], "code")}, {"eventId", a.show.id}}), 409,
      "wrong-event");
  CHECK(checkIn(server, scanner, {{"payload", field(a.tickets[0], "qrPayload")}}).status == 200);
  CHECK(server.get("/api/v1/events/" + a.show.id + "/checkin-list", TestServer::bearer(scanner)).status == 200);
  checkProblem(server.get("/api/v1/events/" + b.show.id + "/checkin-list", TestServer::bearer(scanner)), 404);
  // Revoked: no longer.
  auto scannerId = TestServer::userIdOf(scanner);
  CHECK(server.del("/api/v1/events/" + a.show.id + "/scanners/" + scannerId, TestServer::bearer(a.show.organizerToken))
            .status == 204);
  checkProblem(server.get("/api/v1/events/" + a.show.id + "/checkin-list", TestServer::bearer(scanner)), 404);
}

TEST_CASE("admission grants: an account lists the events it was made a scanner of, and only its own") {
  TestServer server(shopOptions());
  auto a = buyTickets(server, {{"general", 1}});
  auto b = buyTickets(server, {{"general", 1}});
  auto scannerEmail = "gate-" + std::to_string(std::rand()) + "@example.com";
  auto scanner = server.tokenFor("User", scannerEmail);
  auto bystander = server.tokenFor("User", "bystander-" + std::to_string(std::rand()) + "@example.com");
  auto grants = [&](const std::string& token, const std::string& query = "") {
    return server.get("/api/v1/admission/grants" + query, TestServer::bearer(token));
  };
  auto eventIdsOf = [&](const std::string& token) {
    auto answer = grants(token);
    REQUIRE_MESSAGE(answer.status == 200, answer.body);
    std::vector<std::string> ids;
    auto parsed = boost::json::parse(answer.body);
    for (const auto& item : parsed.at("items").as_array()) {
      ids.emplace_back(item.at("eventId").as_string());
    }
    return ids;
  };
  CHECK(eventIdsOf(scanner).empty());
  for (const auto* show : {&a.show, &b.show}) {
    auto grant = server.post("/api/v1/events/" + show->id + "/scanners", json({{"email", scannerEmail}}),
                             TestServer::bearer(show->organizerToken));
    REQUIRE_MESSAGE(grant.status == 201, grant.body);
  }
  // Both, with what the door page shows; nobody else sees them.
  auto both = eventIdsOf(scanner);
  std::sort(both.begin(), both.end());
  auto expected = std::vector<std::string>{a.show.id, b.show.id};
  std::sort(expected.begin(), expected.end());
  CHECK(both == expected);
  auto page = boost::json::parse(grants(scanner, "?page=1&size=1").body).as_object();
  CHECK(page.at("totalItems").as_int64() == 2);
  CHECK(page.at("items").as_array().size() == 1);
  auto first = page.at("items").as_array().at(0).as_object();
  CHECK(first.at("eventName").as_string().size() > 0);
  CHECK(first.at("eventStatus").as_string() == "Published");
  CHECK(first.contains("startsAt"));
  CHECK(first.contains("timezone"));
  CHECK(eventIdsOf(bystander).empty());
  CHECK(eventIdsOf(a.show.organizerToken).empty());  // organizers scan their own events without a grant
  // Revoked: gone from the list. Bad paging and no token are refused.
  CHECK(server
            .del("/api/v1/events/" + a.show.id + "/scanners/" + TestServer::userIdOf(scanner),
                 TestServer::bearer(a.show.organizerToken))
            .status == 204);
  CHECK(eventIdsOf(scanner) == std::vector<std::string>{b.show.id});
  checkProblem(grants(scanner, "?size=1000"), 400, "validation");
  CHECK(server.get("/api/v1/admission/grants").status == 401);
}

TEST_CASE("checkin: offline scans sync, first scan wins, and the list reports what changed since a version") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 3}});
  auto token = p.show.organizerToken;
  auto list = server.get("/api/v1/events/" + p.show.id + "/checkin-list", TestServer::bearer(token));
  REQUIRE(list.status == 200);
  auto version = list.json().at("version").as_int64();
  CHECK(list.json().at("tickets").as_array().size() == 3);
  auto t0 = field(p.tickets[0], "ticketId");
  auto t1 = field(p.tickets[1], "ticketId");
  // Ticket 0 is scanned online now; an offline gate had scanned it a minute earlier.
  REQUIRE(checkIn(server, token, {{"code", field(p.tickets[0], "code")}, {"gate", "online"}}).status == 200);
  auto admittedAt = str(server.get("/api/v1/tickets/" + t0, TestServer::bearer(token)).json().at("checkedInAt"));
  // Offline, ticket 0 was scanned when it was issued: before the online scan.
  const auto earlier = field(p.tickets[0], "issuedAt");
  boost::json::array scans{{{"ticketId", t0}, {"scannedAt", earlier}, {"gate", "offline-1"}},
                           {{"ticketId", t1}, {"scannedAt", field(p.tickets[1], "issuedAt")}, {"gate", "offline-1"}},
                           {{"ticketId", t1}, {"scannedAt", admittedAt}, {"gate", "offline-2"}},
                           {{"ticketId", uuid()}, {"scannedAt", earlier}, {"gate", "offline-1"}},
                           {{"ticketId", field(p.tickets[2], "ticketId")}, {"scannedAt", "2020-01-01T00:00:00Z"}}};
  auto sync = server.post("/api/v1/events/" + p.show.id + "/checkins:sync", json({{"scans", scans}}),
                          TestServer::bearer(token));
  REQUIRE_MESSAGE(sync.status == 200, sync.body);
  auto results = sync.json().at("results").as_array();
  REQUIRE(results.size() == 5);
  CHECK(results[0].at("result") == "admitted");
  CHECK(results[0].at("replacedScanAt") == admittedAt.c_str());
  CHECK(results[1].at("result") == "admitted");
  CHECK(results[2].at("result") == "duplicate");
  CHECK(results[2].at("firstGate") == "offline-1");
  CHECK(results[3].at("result") == "unknown");
  CHECK(results[4].at("result") == "invalid-time");
  CHECK(sync.json().at("conflicts") == 2);
  auto t0After = server.get("/api/v1/tickets/" + t0, TestServer::bearer(token)).json();
  CHECK(t0After.at("gate") == "offline-1");
  // Since the version read before: exactly the two tickets that changed.
  auto delta = server.get("/api/v1/events/" + p.show.id + "/checkin-list?since=" + std::to_string(version),
                          TestServer::bearer(token));
  CHECK(delta.json().at("tickets").as_array().size() == 2);
  // Bad input.
  auto future =
      boost::json::array{{{"ticketId", field(p.tickets[2], "ticketId")}, {"scannedAt", "2200-01-01T00:00:00Z"}}};
  auto ahead = server.post("/api/v1/events/" + p.show.id + "/checkins:sync", json({{"scans", future}}),
                           TestServer::bearer(token));
  REQUIRE(ahead.status == 200);
  CHECK(ahead.json().at("results").at(0).at("result") == "invalid-time");
  checkProblem(server.post("/api/v1/events/" + p.show.id + "/checkins:sync",
                           json({{"scans", boost::json::array{{{"ticketId", t0}, {"scannedAt", "yesterday"}}}}}),
                           TestServer::bearer(token)),
               400, "validation");
  boost::json::array tooMany;
  for (int i = 0; i < 501; ++i) tooMany.push_back({{"ticketId", t0}, {"scannedAt", earlier}});
  checkProblem(server.post("/api/v1/events/" + p.show.id + "/checkins:sync", json({{"scans", tooMany}}),
                           TestServer::bearer(token)),
               400, "validation");
  checkProblem(server.post("/api/v1/events/" + p.show.id + "/checkins:sync", json({{"scans", scans}}),
                           TestServer::bearer(p.buyer.token)),
               404);
}

TEST_CASE("checkin: a re-sent offline batch records nothing twice, and one ticket keeps a bounded number of scans") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 1}});
  auto token = p.show.organizerToken;
  auto ticketId = field(p.tickets[0], "ticketId");
  auto scansOfTicket = [&] {
    auto rows =
        queryDb(server.dataDir() / "tickets.db", "SELECT COUNT(*) FROM checkins WHERE ticket_id = '" + ticketId + "'");
    return std::stoi(*rows.at(0).at(0));
  };
  auto sync = [&](const boost::json::array& scans) {
    auto answer = server.post("/api/v1/events/" + p.show.id + "/checkins:sync", json({{"scans", scans}}),
                              TestServer::bearer(token));
    REQUIRE_MESSAGE(answer.status == 200, answer.body);
    return answer.json().at("results").as_array();
  };
  const auto issuedAt = field(p.tickets[0], "issuedAt");
  boost::json::array once{{{"ticketId", ticketId}, {"scannedAt", issuedAt}, {"gate", "east"}}};
  CHECK(sync(once).at(0).at("result") == "admitted");
  REQUIRE(scansOfTicket() == 1);
  // The device lost the answer and sends the same scan again (twice in one batch, even): it is
  // told it admitted, and nothing more is stored.
  boost::json::array again{once.at(0), once.at(0)};
  auto resent = sync(again);
  CHECK(resent.at(0).at("result") == "admitted");
  CHECK(resent.at(1).at("result") == "admitted");
  CHECK(scansOfTicket() == 1);
  // A flood of made-up scans of the ticket at other gates: each is answered as a duplicate, but
  // the door's record of the ticket stops growing at its bound (20 scans).
  for (int batch = 0; batch < 3; ++batch) {
    boost::json::array flood;
    for (int i = 1; i <= 10; ++i) {
      flood.push_back(
          {{"ticketId", ticketId}, {"scannedAt", issuedAt}, {"gate", "gate-" + std::to_string(batch * 10 + i)}});
    }
    for (const auto& result : sync(flood)) CHECK(result.at("result") == "duplicate");
  }
  CHECK(scansOfTicket() == 20);
  auto ticket = server.get("/api/v1/tickets/" + ticketId, TestServer::bearer(token)).json();
  CHECK(ticket.at("gate") == "east");
  CHECK(ticket.at("checkedInAt") == issuedAt.c_str());
}

TEST_CASE("tickets: a refund voids the returned seats' tickets, those not checked in first") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 2}});
  auto token = p.show.organizerToken;
  // One ticket is used; the refund of one seat must void the other.
  REQUIRE(checkIn(server, token, {{"code", field(p.tickets[0], "code")}}).status == 200);
  auto orderNow = order(server, p.buyer.token, p.orderId);
  auto paymentId = str(orderNow.at("paymentId"));
  auto admin = mintToken("Admin");
  auto refund = server.post("/api/v1/payments/" + paymentId + "/refunds",
                            R"({"reason":"one seat back","seats":[{"categoryId":"general","ticketCount":1}]})",
                            {{"Authorization", "Bearer " + admin.token}, {"Idempotency-Key", "refund-1"}});
  REQUIRE_MESSAGE(refund.status == 202, refund.body);
  auto unused = field(p.tickets[1], "ticketId");
  bool voided = eventually([&] {
    return server.get("/api/v1/tickets/" + unused, TestServer::bearer(p.buyer.token)).json().at("status") == "Voided";
  });
  REQUIRE(voided);
  auto after = server.get("/api/v1/tickets/" + unused, TestServer::bearer(p.buyer.token)).json();
  CHECK(after.as_object().find("qrPayload") == after.as_object().end());
  CHECK(server.get("/api/v1/tickets/" + field(p.tickets[0], "ticketId"), TestServer::bearer(p.buyer.token))
            .json()
            .at("status") == "CheckedIn");
  checkProblem(checkIn(server, token, {{"payload", field(p.tickets[1], "qrPayload")}}), 409, "ticket-voided");
  checkProblem(server.get("/api/v1/tickets/" + unused + "/qr.svg", TestServer::bearer(p.buyer.token)), 409,
               "ticket-not-valid");
}

TEST_CASE("tickets: a transfer to an account moves the ticket and stops the old QR at once") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 1}});
  auto friendEmail = "friend-" + std::to_string(std::rand()) + "@example.com";
  auto friendToken = server.tokenFor("User", friendEmail);
  auto id = field(p.tickets[0], "ticketId");
  checkProblem(server.post("/api/v1/tickets/" + id + "/transfer", json({{"email", friendEmail}}),
                           TestServer::bearer(friendToken)),
               404, "ticket-not-found");
  checkProblem(server.post("/api/v1/tickets/" + id + "/transfer", json({{"email", "not an email"}}),
                           TestServer::bearer(p.buyer.token)),
               400, "validation");
  auto moved = server.post("/api/v1/tickets/" + id + "/transfer", json({{"email", friendEmail}}),
                           TestServer::bearer(p.buyer.token));
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  CHECK(moved.json().at("status") == "Completed");
  checkProblem(checkIn(server, p.show.organizerToken, {{"payload", field(p.tickets[0], "qrPayload")}}), 409,
               "ticket-transferred");
  auto theirs = ticketsOfBuyer(server, friendToken, p.show.id, 1);
  CHECK(field(theirs[0], "status") == "Valid");
  CHECK(field(theirs[0], "holderName") == "Test User");
  CHECK(field(theirs[0], "transferredFrom") == id);
  CHECK(field(theirs[0], "code") != field(p.tickets[0], "code"));
  CHECK(checkIn(server, p.show.organizerToken, {{"payload", field(theirs[0], "qrPayload")}}).status == 200);
  // A used ticket cannot move on.
  checkProblem(server.post("/api/v1/tickets/" + field(theirs[0], "ticketId") + "/transfer",
                           json({{"email", "x@example.com"}}), TestServer::bearer(friendToken)),
               409, "ticket-checked-in");
}

TEST_CASE("tickets: a transfer to an email without an account waits for its claim, and can be taken back") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 2}});
  auto first = field(p.tickets[0], "ticketId");
  auto pending = server.post("/api/v1/tickets/" + first + "/transfer", json({{"email", "nobody-yet@example.com"}}),
                             TestServer::bearer(p.buyer.token));
  REQUIRE_MESSAGE(pending.status == 202, pending.body);
  auto offer = pending.json().as_object();
  CHECK(offer.at("status") == "Pending");
  CHECK_FALSE(offer.contains("claimToken"));
  checkProblem(checkIn(server, p.show.organizerToken, {{"payload", field(p.tickets[0], "qrPayload")}}), 409,
               "ticket-transferred");
  // The sender takes it back: a new ticket, a new QR.
  auto transferId = str(pending.json().at("transferId"));
  auto stranger = mintToken("User");
  checkProblem(
      server.post("/api/v1/tickets/transfers/" + transferId + "/cancel", "{}", TestServer::bearer(stranger.token)), 404,
      "transfer-not-found");
  auto back =
      server.post("/api/v1/tickets/transfers/" + transferId + "/cancel", "{}", TestServer::bearer(p.buyer.token));
  REQUIRE_MESSAGE(back.status == 200, back.body);
  CHECK(back.json().at("status") == "Cancelled");
  checkProblem(
      server.post("/api/v1/tickets/transfers/" + transferId + "/cancel", "{}", TestServer::bearer(p.buyer.token)), 409,
      "transfer-settled");
  auto returned = str(back.json().at("returnedTicketId"));
  CHECK(server.get("/api/v1/tickets/" + returned, TestServer::bearer(p.buyer.token)).json().at("status") == "Valid");
  // A made-up claim token is refused.
  checkProblem(server.post("/api/v1/tickets/claims", json({{"token", "made-up"}}), TestServer::bearer(stranger.token)),
               404, "claim-not-found");
  // The organizer can forbid transfers.
  auto settingsUrl = "/api/v1/events/" + p.show.id + "/admission";
  auto current = server.get(settingsUrl, TestServer::bearer(p.show.organizerToken));
  REQUIRE(current.status == 200);
  CHECK(current.header("etag") == "\"0\"");
  checkProblem(server.put(settingsUrl, json({{"transfersAllowed", false}}), TestServer::bearer(p.show.organizerToken)),
               428);
  auto withEtag = [&](const std::string& etag) {
    auto headers = TestServer::bearer(p.show.organizerToken);
    headers.emplace_back("If-Match", etag);
    return headers;
  };
  checkProblem(server.put(settingsUrl, json({{"transfersAllowed", false}}), withEtag("\"7\"")), 412);
  auto off = server.put(settingsUrl, json({{"transfersAllowed", false}}), withEtag(current.header("etag")));
  REQUIRE_MESSAGE(off.status == 200, off.body);
  CHECK(off.header("etag") == "\"1\"");
  checkProblem(server.put("/api/v1/events/" + p.show.id + "/admission", json({{"transfersAllowed", false}}),
                          TestServer::bearer(p.buyer.token)),
               404);
  checkProblem(server.post("/api/v1/tickets/" + field(p.tickets[1], "ticketId") + "/transfer",
                           json({{"email", "someone@example.com"}}), TestServer::bearer(p.buyer.token)),
               409, "transfers-forbidden");
}

TEST_CASE("tickets: the organizer exports the event's tickets as CSV a spreadsheet opens") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 2}, {"vip", 1}});
  auto csv = server.get("/api/v1/events/" + p.show.id + "/tickets",
                        {{"Authorization", "Bearer " + p.show.organizerToken}, {"Accept", "text/csv"}});
  REQUIRE(csv.status == 200);
  CHECK(csv.headers.at("content-type").rfind("text/csv", 0) == 0);
  CHECK(csv.headers.at("content-disposition").find("attachment") != std::string::npos);
  CHECK(csv.body.rfind("ticketId,code,status,categoryId,categoryName,holderName,holderUserId,orderId,issuedAt,"
                       "checkedInAt,gate\r\n",
                       0) == 0);
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = csv.body.find("\r\n", at)) != std::string::npos; at += 2) ++lines;
  CHECK(lines == 4);
  CHECK(csv.body.find(field(p.tickets[0], "code")) != std::string::npos);
  auto json =
      server.get("/api/v1/events/" + p.show.id + "/tickets?status=Valid", TestServer::bearer(p.show.organizerToken));
  CHECK(json.json().at("totalItems") == 3);
}

TEST_CASE("tickets: cancelling the event voids every ticket of it") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 2}});
  auto cancel = server.post("/api/v1/events/" + p.show.id + "/cancel", json({{"reason", "storm"}}),
                            TestServer::bearer(p.show.organizerToken));
  REQUIRE_MESSAGE(cancel.status == 200, cancel.body);
  bool voided = eventually([&] {
    auto r = server.get("/api/v1/tickets?eventId=" + p.show.id + "&status=Valid", TestServer::bearer(p.buyer.token));
    return r.json().at("totalItems") == 0;
  });
  CHECK(voided);
  checkProblem(checkIn(server, p.show.organizerToken, {{"code", field(p.tickets[0], "code")}}), 409, "ticket-voided");
}

TEST_CASE("admission keys: an Admin rotates, new tickets use the new key, old ones still verify") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 1}});
  auto admin = mintToken("Admin");
  checkProblem(server.post("/api/v1/admission/keys/rotate", json({{"organizerId", p.show.organizerId}}),
                           TestServer::bearer(p.show.organizerToken)),
               403);
  // No key is made up for an id nobody signs with.
  checkProblem(
      server.post("/api/v1/admission/keys/rotate", json({{"organizerId", uuid()}}), TestServer::bearer(admin.token)),
      404, "user-not-found");
  auto rotated = server.post("/api/v1/admission/keys/rotate", json({{"organizerId", p.show.organizerId}}),
                             TestServer::bearer(admin.token));
  REQUIRE_MESSAGE(rotated.status == 201, rotated.body);
  auto keys = server.get("/api/v1/admission/keys?organizerId=" + p.show.organizerId).json().at("keys").as_array();
  CHECK(keys.size() == 2);  // the retired one stays while its event has not ended
  auto second = placeOrder(server, p.buyer.token, p.show.id, {{"general", 1}});
  REQUIRE(statusOf(awaitOrder(server, p.buyer.token, second)) == "Completed");
  auto all = ticketsOfBuyer(server, p.buyer.token, p.show.id, 2);
  // Newest first: the second order's ticket names the new key, the first one the retired key.
  auto newKey = str(rotated.json().at("keyId"));
  auto kidOf = [](const std::string& payload) {
    auto body = *base64UrlDecode(payload.substr(4));
    auto kidAt = 34 + static_cast<std::size_t>(static_cast<unsigned char>(body[33]));
    return body.substr(kidAt + 1, static_cast<unsigned char>(body[kidAt]));
  };
  CHECK(kidOf(field(all[0], "qrPayload")) == newKey);
  CHECK(kidOf(field(all[1], "qrPayload")) != newKey);
  for (const auto& t : all)
    CHECK(checkIn(server, p.show.organizerToken, {{"payload", field(t, "qrPayload")}}).status == 200);
}

TEST_CASE("checkin stats: a door screen watching over SSE gets the new figure after a scan") {
  TestServer server(shopOptions());
  auto p = buyTickets(server, {{"general", 2}});
  RawConnection stream(server.port(), 3s);
  stream.send(formatRequest("GET", "/api/v1/events/" + p.show.id + "/checkin-stats", {},
                            {{"Accept", "text/event-stream"}, {"Authorization", "Bearer " + p.show.organizerToken}},
                            server.port()));
  std::string received;
  stream.waitForClose(500ms, &received);
  CHECK(received.find("text/event-stream") != std::string::npos);
  CHECK(received.find("\"admitted\":0") != std::string::npos);
  REQUIRE(checkIn(server, p.show.organizerToken, {{"code", field(p.tickets[0], "code")}}).status == 200);
  bool pushed = eventually([&] {
    stream.waitForClose(200ms, &received);
    return received.find("\"admitted\":1") != std::string::npos;
  });
  CHECK(pushed);
  // A stranger cannot watch.
  checkProblem(server.get("/api/v1/events/" + p.show.id + "/checkin-stats",
                          {{"Accept", "text/event-stream"}, {"Authorization", "Bearer " + p.buyer.token}}),
               404);
}

TEST_CASE("tickets: a holder cannot start more transfers an hour than configured (each may send an email)") {
  auto options = shopOptions();
  options.env.emplace_back("BOXOFFICE_TICKETS_TRANSFERS_PER_HOUR", "3");
  TestServer server(options);
  auto p = buyTickets(server, {{"general", 1}});
  auto id = field(p.tickets[0], "ticketId");
  for (int i = 0; i < 3; ++i) {
    auto offer = server.post("/api/v1/tickets/" + id + "/transfer", json({{"email", "someone@example.com"}}),
                             TestServer::bearer(p.buyer.token));
    REQUIRE_MESSAGE(offer.status == 202, offer.body);
    auto back = server.post("/api/v1/tickets/transfers/" + str(offer.json().at("transferId")) + "/cancel", "{}",
                            TestServer::bearer(p.buyer.token));
    REQUIRE(back.status == 200);
    id = str(back.json().at("returnedTicketId"));
  }
  auto limited = server.post("/api/v1/tickets/" + id + "/transfer", json({{"email", "someone@example.com"}}),
                             TestServer::bearer(p.buyer.token));
  checkProblem(limited, 429, "rate-limited");
  CHECK(!limited.header("retry-after").empty());
  // Every answer about tickets is private.
  auto mine = server.get("/api/v1/tickets/" + id, TestServer::bearer(p.buyer.token));
  CHECK(mine.header("cache-control") == "private, no-store");
}
