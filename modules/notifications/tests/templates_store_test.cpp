// The Templates face: every shipped template renders, language fallback, overrides saved and
// reset with versions, reloaded after a restart, concurrent renders while saving.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <doctest/doctest.h>
#include <thread>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "catalogue.hpp"
#include "support/temp_database.hpp"
#include "template_store.hpp"
#include "templates.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;

namespace {

std::vector<Migration> notificationMigrations() {
  std::vector<Migration> out;
  for (const auto& m : embeddedMigrations()) {
    if (m.module == "notifications") out.push_back(m);
  }
  return out;
}

DateTime at(std::string_view rfc3339) {
  return DateTime{std::chrono::time_point_cast<std::chrono::seconds>(*parseRfc3339(rfc3339))};
}

// A plausible value of each kind for every variable of `type`.
Variables sampleVariables(const NotificationTypeSpec& type) {
  Variables out;
  for (const auto& v : type.variables) {
    switch (v.kind) {
      case VariableKind::Text:
        out[std::string(v.name)] = "<" + std::string(v.name) + ">";
        break;
      case VariableKind::Integer:
        out[std::string(v.name)] = std::int64_t{1234};
        break;
      case VariableKind::Money:
        out[std::string(v.name)] = Money{123450, "EUR"};
        break;
      case VariableKind::DateTime:
        out[std::string(v.name)] = at("2027-03-13T19:00:00Z");
        break;
    }
  }
  return out;
}

constexpr Channel kChannels[] = {Channel::Email, Channel::Sms, Channel::Push, Channel::InApp};

struct Fixture {
  ManualClock clock{*parseRfc3339("2027-01-15T10:00:00Z")};
  test_support::TempDatabase db{"notifications", notificationMigrations()};
};

}  // namespace

TEST_CASE("every type has a shipped template for every channel in en and de, and each names its variables") {
  Fixture f;
  Templates templates(*f.db.db, f.clock);
  for (const auto& type : notificationTypes()) {
    auto variables = sampleVariables(type);
    for (auto channel : kChannels) {
      for (const auto* language : {"en", "de"}) {
        CAPTURE(type.type);
        CAPTURE(toString(channel));
        CAPTURE(language);
        auto rendered = templates.render(type.type, channel, Reader{"user-1", language, "Europe/Berlin"}, variables);
        CHECK(rendered.language == language);
        CHECK(rendered.variant.empty());
        CHECK(!rendered.text.empty());
        CHECK(rendered.text.find("{{") == std::string::npos);
        CHECK(rendered.subject.empty() == (channel == Channel::Sms));
        CHECK(rendered.html.empty() == (channel != Channel::Email));
        if (channel == Channel::Email) {
          CHECK(rendered.html.find("<html lang=\"" + std::string(language) + "\">") != std::string::npos);
          // Values are escaped in HTML, not in text.
          bool hasEvent = std::any_of(type.variables.begin(), type.variables.end(),
                                      [](const auto& v) { return v.name == "eventName"; });
          CHECK((!hasEvent || rendered.html.find("&lt;eventName&gt;") != std::string::npos));
          CHECK(rendered.html.find("<userName>") == std::string::npos);
          // A guest (TicketTransferOffer goes to an email without an account) has no name.
          bool hasName = std::any_of(type.variables.begin(), type.variables.end(),
                                     [](const auto& v) { return v.name == "userName"; });
          CHECK((rendered.text.find("<userName>") != std::string::npos) == hasName);
        }
        // Marketing and reminder emails carry the unsubscribe link in both bodies.
        if (channel == Channel::Email && type.category != Category::Transactional) {
          CHECK(rendered.text.find("<unsubscribeUrl>") != std::string::npos);
          CHECK(rendered.html.find("href=\"&lt;unsubscribeUrl&gt;\"") != std::string::npos);
        }
      }
    }
  }
}

TEST_CASE("the order confirmation lists seats and the total, formatted for the reader") {
  Fixture f;
  Templates templates(*f.db.db, f.clock);
  Variables v{{"userName", std::string("Ada")},     {"appName", std::string("Boxoffice")},
              {"eventName", std::string("Hamlet")}, {"eventStart", at("2027-03-13T19:00:00Z")},
              {"venueName", std::string("Globe")},  {"venueCity", std::string("Berlin")},
              {"orderId", std::string("o-1")},      {"total", Money{123450, "EUR"}},
              {"ticketCount", std::int64_t{2}},     {"seats", std::string("2 × Parkett — €1,234.50")}};
  auto de = templates.render("OrderConfirmation", Channel::Email, Reader{"u", "de", "Europe/Berlin"}, v);
  CHECK(de.subject == "Ihre Tickets für Hamlet (Bestellung o-1)");
  CHECK(de.text.find("1.234,50") != std::string::npos);
  CHECK(de.text.find("Samstag, 13. März 2027 um 20:00") != std::string::npos);
  CHECK(de.text.find("2 × Parkett") != std::string::npos);
  auto en = templates.render("OrderConfirmation", Channel::Email, Reader{"u", "en", "Europe/Berlin"}, v);
  CHECK(en.text.find("Total paid: €1,234.50") != std::string::npos);
  CHECK(en.html.find("Total paid: €1,234.50") != std::string::npos);
}

TEST_CASE("a language without templates falls back to en, an unknown type or channel-less type throws") {
  Fixture f;
  Templates templates(*f.db.db, f.clock);
  auto fr = templates.render("Welcome", Channel::InApp, Reader{"u", "fr", "UTC"}, {{"userName", std::string("Ada")}});
  CHECK(fr.language == "en");
  CHECK(fr.text.find("Hi Ada") == 0);
  CHECK_THROWS_AS(templates.render("NoSuchType", Channel::Email, Reader{}, {}), std::invalid_argument);
}

TEST_CASE("an override is used at once, survives a restart, and a reset returns to the shipped file") {
  Fixture f;
  const auto* spec = findNotificationType("Welcome");
  std::vector<FieldMessage> errors;
  auto compiled = compileTemplate(
      TemplateSource{"Hello {{userName}}", "Custom {{userName}}", "<p>{{userName}}</p>", {}}, *spec, errors);
  REQUIRE(errors.empty());
  {
    TemplateStore store(*f.db.db, f.clock);
    CHECK(store.get("Welcome", Channel::Email, "de").version == 0);
    auto saved = store.save("Welcome", Channel::Email, "de", compiled, IfMatch::any(), "admin-1");
    CHECK(saved.version == 1);
    CHECK(saved.updatedBy == "admin-1");
    CHECK(store.inForce("Welcome", Channel::Email, "de")->source.text == "Custom {{userName}}");
    CHECK(store.inForce("Welcome", Channel::Email, "en")->source.text != "Custom {{userName}}");
    // A stale version is refused with 412.
    auto stale = *IfMatch::parse(std::optional<std::string>("\"0\""));
    CHECK_THROWS_AS(store.save("Welcome", Channel::Email, "de", compiled, stale, "admin-1"), Problem);
  }
  Templates templates(*f.db.db, f.clock);
  auto rendered =
      templates.render("Welcome", Channel::Email, Reader{"u", "de", "UTC"}, {{"userName", std::string("<Ada>")}});
  CHECK(rendered.text == "Custom <Ada>");
  CHECK(rendered.html == "<p>&lt;Ada&gt;</p>");
  TemplateStore store(*f.db.db, f.clock);
  auto reset = store.reset("Welcome", Channel::Email, "de", *IfMatch::parse(std::optional<std::string>("\"1\"")), "a");
  CHECK(reset.version == 2);
  CHECK(reset.overridden == nullptr);
  CHECK(store.inForce("Welcome", Channel::Email, "de")->source.text.find("willkommen") != std::string::npos);
}

TEST_CASE("variants of an override are chosen per user and recorded") {
  Fixture f;
  std::vector<FieldMessage> errors;
  auto compiled = compileTemplate(TemplateSource{"Base",
                                                 "Body",
                                                 "<p>Body</p>",
                                                 {{"A", 50, std::string("Subject A"), {}, {}},
                                                  {"B", 50, std::string("Subject B"), {}, std::string("<p>B</p>")}}},
                                  *findNotificationType("Welcome"), errors);
  REQUIRE(errors.empty());
  TemplateStore(*f.db.db, f.clock).save("Welcome", Channel::Email, "en", compiled, IfMatch::any(), "admin");
  Templates templates(*f.db.db, f.clock);
  std::map<std::string, int> seen;
  for (int i = 0; i < 200; ++i) {
    auto r = templates.render("Welcome", Channel::Email, Reader{"user-" + std::to_string(i), "en", "UTC"}, {});
    CHECK(r.subject == "Subject " + r.variant);
    CHECK(r.html == (r.variant == "B" ? "<p>B</p>" : "<p>Body</p>"));
    CHECK(r.text == "Body");
    ++seen[r.variant];
  }
  CHECK(seen["A"] > 50);
  CHECK(seen["B"] > 50);
}

TEST_CASE("renders from many threads while an admin saves: no torn reads, each render whole") {
  Fixture f;
  Templates templates(*f.db.db, f.clock);
  TemplateStore writer(*f.db.db, f.clock);  // a second store on the same db: only its own cache changes
  std::atomic<bool> stop{false};
  std::atomic<int> renders{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Variables v{{"userName", std::string("Ada")}, {"total", Money{100, "EUR"}}};
      while (!stop) {
        auto r = templates.render("OrderConfirmation", Channel::Email,
                                  Reader{"u" + std::to_string(t), "de", "Europe/Berlin"}, v);
        if (r.text.empty()) FAIL("empty render");
        ++renders;
      }
    });
  }
  std::vector<FieldMessage> errors;
  auto compiled = compileTemplate(TemplateSource{"S", "T {{userName}}", "<p>H</p>", {}},
                                  *findNotificationType("OrderConfirmation"), errors);
  for (int i = 0; i < 20; ++i)
    writer.save("OrderConfirmation", Channel::Email, "de", compiled, IfMatch::any(), "admin");
  while (renders < 200) std::this_thread::yield();
  stop = true;
  for (auto& thread : threads) thread.join();
  CHECK(renders >= 200);
}

TEST_CASE("render cost: well under a millisecond (printed, not asserted tightly)") {
  Fixture f;
  Templates templates(*f.db.db, f.clock);
  auto variables = sampleVariables(*findNotificationType("OrderConfirmation"));
  constexpr int kRounds = 2000;
  auto start = std::chrono::steady_clock::now();
  std::size_t bytes = 0;
  for (int i = 0; i < kRounds; ++i) {
    bytes += templates
                 .render("OrderConfirmation", Channel::Email,
                         Reader{"u" + std::to_string(i), i % 2 ? "de" : "en", "Europe/Berlin"}, variables)
                 .html.size();
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("render OrderConfirmation email (subject+text+html): %.1f us per call over %d calls\n",
              static_cast<double>(micros) / kRounds, kRounds);
  CHECK(bytes > 0);
  CHECK(micros / kRounds < 5000);  // a sanity bound only (sanitizer builds are slow)
}
