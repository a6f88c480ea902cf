// The generic JSON mapping of described structs (message_json.hpp): round trips, the wire shape
// (member order, omitted empty optionals), errors that name the field, typed publish and the
// typed subscription's dispatch by type and version.
#include "boxoffice/kernel/message_json.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kernel_test_support.hpp"

using namespace boxoffice;

namespace sample {

struct Line {
  std::string sku;
  Money price;
  int quantity = 0;
  bool operator==(const Line&) const = default;
};
BOOST_DESCRIBE_STRUCT(Line, (), (sku, price, quantity))

struct OrderState {
  std::string orderId;
  std::int64_t total = 0;
  bool paid = false;
  std::vector<Line> lines;
  std::vector<std::string> tags;
  std::optional<std::string> note;
  bool operator==(const OrderState&) const = default;
};
BOOST_DESCRIBE_STRUCT(OrderState, (), (orderId, total, paid, lines, tags, note))

struct OrderPlaced : OrderState {
  static constexpr std::string_view topic = topics::payments;
  static constexpr std::string_view type = "OrderPlaced";
  static constexpr int messageVersion = 2;
  static constexpr std::string_view summary = "test";
  std::string placedAt;
  bool operator==(const OrderPlaced&) const = default;
};
BOOST_DESCRIBE_STRUCT(OrderPlaced, (OrderState), (placedAt))

struct OrderDropped {
  static constexpr std::string_view topic = topics::payments;
  static constexpr std::string_view type = "OrderDropped";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "test";
  std::string orderId;
};
BOOST_DESCRIBE_STRUCT(OrderDropped, (), (orderId))

struct Refunded {
  static constexpr std::string_view topic = topics::tickets;
  static constexpr std::string_view type = "Refunded";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "test";
  std::string orderId;
};
BOOST_DESCRIBE_STRUCT(Refunded, (), (orderId))

struct Subscriptions {
  static constexpr std::string_view module = "sample";
  using Subscribes = MessageList<OrderPlaced, OrderDropped, Refunded>;
};

OrderPlaced placed() {
  OrderPlaced m;
  m.orderId = "o-1";
  m.total = 5'000'000'000;  // beyond 32 bits
  m.paid = true;
  m.lines = {{"tee", {1999, "EUR"}, 2}, {"cap", {0, "EUR"}, 1}};
  m.tags = {"gift", "\"quoted\"\n"};
  m.placedAt = "2030-01-01T00:00:00Z";
  return m;
}

// Records subscriptions instead of delivering: the test calls the handlers itself.
class RecordingBus : public MessageBus {
 public:
  using MessageBus::subscribe;
  void subscribe(std::string_view topic, std::string subscriber, Database& /*store*/, MessageHandler handler,
                 std::vector<std::string> types) override {
    subscriptions.push_back({std::string(topic), std::move(subscriber), std::move(handler), std::move(types)});
  }
  void publish(const Envelope& /*message*/) override {}
  DeliveryCounts deliverTo(std::string_view /*subscriber*/, std::span<const Envelope> /*messages*/) override {
    return {};
  }
  void start() override {}
  void stop() override {}
  struct Subscription {
    std::string topic;
    std::string subscriber;
    MessageHandler handler;
    std::vector<std::string> types;
  };
  std::vector<Subscription> subscriptions;
};

}  // namespace sample

TEST_CASE("message json: a described struct round-trips, bases' fields first, in declaration order") {
  auto m = sample::placed();
  auto json = toJson(m);
  CHECK(boost::json::serialize(json) ==
        R"({"orderId":"o-1","total":5000000000,"paid":true,)"
        R"("lines":[{"sku":"tee","price":{"amount":1999,"currency":"EUR"},"quantity":2},)"
        R"({"sku":"cap","price":{"amount":0,"currency":"EUR"},"quantity":1}],)"
        R"("tags":["gift","\"quoted\"\n"],"placedAt":"2030-01-01T00:00:00Z"})");
  CHECK(fromJson<sample::OrderPlaced>(json) == m);

  m.note = "leave at the door";
  json = toJson(m);
  CHECK(json.at("note").as_string() == "leave at the door");
  CHECK(fromJson<sample::OrderPlaced>(json) == m);
}

TEST_CASE("message json: an optional may be absent or null, and unknown fields are ignored") {
  auto json = toJson(sample::placed());
  CHECK_FALSE(json.contains("note"));  // empty optionals are omitted, not null
  json["note"] = nullptr;
  json["addedLater"] = 42;
  auto read = fromJson<sample::OrderPlaced>(json);
  CHECK_FALSE(read.note.has_value());
  CHECK(read == sample::placed());
}

TEST_CASE("message json: a missing or mistyped field throws invalid_argument naming it") {
  auto base = toJson(sample::placed());
  auto messageOf = [](const boost::json::object& json) {
    try {
      (void)fromJson<sample::OrderPlaced>(json);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  auto without = base;
  without.erase("placedAt");
  CHECK(messageOf(without) == "message field 'placedAt' is missing");

  auto wrong = base;
  wrong["total"] = "5";
  CHECK(messageOf(wrong) == "message field 'total' is not an integer");
  wrong = base;
  wrong["total"] = 1.5;
  CHECK(messageOf(wrong) == "message field 'total' is not an integer");
  wrong = base;
  wrong["paid"] = 1;
  CHECK(messageOf(wrong) == "message field 'paid' is not a boolean");
  wrong = base;
  wrong["orderId"] = 7;
  CHECK(messageOf(wrong) == "message field 'orderId' is not a string");
  wrong = base;
  wrong["tags"] = "gift";
  CHECK(messageOf(wrong) == "message field 'tags' is not an array");
  wrong = base;
  wrong["tags"].as_array()[1] = false;
  CHECK(messageOf(wrong) == "message field 'tags[1]' is not a string");
  wrong = base;
  wrong["lines"].as_array()[1].as_object()["price"].as_object()["amount"] = "free";
  CHECK(messageOf(wrong) == "message field 'lines[1].price.amount' is not an integer");
  wrong = base;
  wrong["lines"].as_array()[0] = 3;
  CHECK(messageOf(wrong) == "message field 'lines[0]' is not an object");
  wrong = base;
  wrong["lines"].as_array()[0].as_object()["quantity"] = std::int64_t{1} << 40;  // an int field
  CHECK(messageOf(wrong) == "message field 'lines[0].quantity' is out of range");
}

TEST_CASE("message json: values that are not objects map too") {
  std::vector<sample::Line> lines{{"tee", {1999, "EUR"}, 2}};
  auto json = toJsonValue(lines);
  CHECK(fromJsonValue<std::vector<sample::Line>>(json) == lines);
  CHECK_THROWS_WITH_AS(fromJsonValue<std::vector<sample::Line>>(boost::json::parse(R"([{"sku":"a"}])")),
                       "message field '$[0].price' is missing", std::invalid_argument);
}

TEST_CASE("message json: tx.publish(message) takes topic, type and version from the type") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db({dir / "m.db", "m"}, log.logger());
  db.migrate({});
  auto id = db.write([](Tx& tx) { return tx.publish(sample::placed(), "request-1"); });
  db.read([&](soci::session& s) {
    std::string topic, type, payload;
    int version = 0;
    s << "SELECT topic, type, version, payload FROM outbox WHERE message_id = :id", soci::use(id), soci::into(topic),
        soci::into(type), soci::into(version), soci::into(payload);
    CHECK(topic == "payments");
    CHECK(type == "OrderPlaced");
    CHECK(version == 2);
    CHECK(fromJson<sample::OrderPlaced>(boost::json::parse(payload).as_object()) == sample::placed());
  });
}

TEST_CASE("message json: subscribeMessages subscribes once per topic and dispatches by type and version") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db({dir / "s.db", "s"}, log.logger());
  db.migrate({});
  sample::RecordingBus bus;
  std::vector<std::string> seen;
  struct Handler {
    std::vector<std::string>* seen;
    void operator()(const sample::OrderPlaced& m, const Envelope& /*e*/, Tx& /*tx*/) const {
      seen->push_back("placed " + m.orderId + " " + std::to_string(m.total));
    }
    void operator()(const sample::OrderDropped& m, const Envelope& /*e*/, Tx& /*tx*/) const {
      seen->push_back("dropped " + m.orderId);
    }
    void operator()(const sample::Refunded& m, const Envelope& /*e*/, Tx& /*tx*/) const {
      seen->push_back("refunded " + m.orderId);
    }
  };
  subscribeMessages<sample::Subscriptions>(bus, db, Handler{&seen});
  REQUIRE(bus.subscriptions.size() == 2);  // payments and tickets
  std::map<std::string, MessageHandler> byTopic;
  std::map<std::string, std::vector<std::string>> typesByTopic;
  for (auto& s : bus.subscriptions) {
    CHECK(s.subscriber == "sample");
    byTopic[s.topic] = s.handler;
    typesByTopic[s.topic] = s.types;
  }
  // The bus is told which types to store: the contract's, per topic (sorted by name).
  CHECK(typesByTopic["payments"] == std::vector<std::string>{"OrderDropped", "OrderPlaced"});
  CHECK(typesByTopic["tickets"] == std::vector<std::string>{"Refunded"});
  REQUIRE(byTopic.contains("payments"));
  REQUIRE(byTopic.contains("tickets"));

  auto deliver = [&](const std::string& topic, const std::string& type, int version, boost::json::object payload) {
    Envelope envelope;
    envelope.messageId = "m";
    envelope.topic = topic;
    envelope.type = type;
    envelope.version = version;
    envelope.payload = std::move(payload);
    db.write([&](Tx& tx) { byTopic.at(topic)(envelope, tx); });
  };
  deliver("payments", "OrderPlaced", 2, toJson(sample::placed()));
  deliver("payments", "OrderDropped", 1, {{"orderId", "o-2"}});
  deliver("payments", "SomethingElse", 1, {});  // not subscribed (an inbox row from before the filter): skipped
  deliver("tickets", "Refunded", 1, {{"orderId", "o-3"}});
  CHECK(seen == std::vector<std::string>{"placed o-1 5000000000", "dropped o-2", "refunded o-3"});

  CHECK_THROWS_WITH_AS(deliver("payments", "OrderPlaced", 1, toJson(sample::placed())),
                       "OrderPlaced version 1 is not the supported version 2", std::invalid_argument);
  CHECK_THROWS_WITH_AS(deliver("payments", "OrderDropped", 1, {}), "message field 'orderId' is missing",
                       std::invalid_argument);
  CHECK(seen.size() == 3);
}
