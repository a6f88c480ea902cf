#include "demo_data.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "boxoffice/events/api.hpp"

namespace boxoffice::events {

namespace {

struct Tier {
  const char* id;
  const char* name;
  std::int64_t amount;
  int seats;
};

struct Demo {
  const char* name;
  const char* description;
  const char* category;
  const char* startsAt;  // UTC
  int hours;
  const char* timezone;
  Venue venue;
  int capacity;
  const char* currency;
  std::vector<Tier> tiers;
};

// A data table: long by nature, one entry per demo event.
std::vector<Demo> demos() {  // NOLINT(readability-function-size)
  return {
      {"Radiohead Tribute Night",
       "The Bends and OK Computer played live, start to finish, by a ten-piece band.",
       "concert",
       "2027-03-12T19:00:00Z",
       3,
       "Europe/Berlin",
       {"Columbiahalle", "Columbiadamm 13-21", "Berlin", "DE"},
       3500,
       "EUR",
       {{"vip", "VIP", 12900, 200}, {"general", "General Admission", 5900, 3200}}},
      {"Café Tacvba Unplugged",
       "An acoustic evening of Mexican rock classics.",
       "concert",
       "2027-04-03T18:30:00Z",
       3,
       "Europe/Madrid",
       {"Teatro Real", "Plaza de Oriente 5", "Madrid", "ES"},
       1700,
       "EUR",
       {{"stalls", "Stalls", 7500, 900}, {"balcony", "Balcony", 4500, 800}}},
      {"Symphonie fantastique",
       "Berlioz's opium dream, with the Wiener Symphoniker.",
       "concert",
       "2027-05-21T18:00:00Z",
       2,
       "Europe/Vienna",
       {"Musikverein", "Musikvereinsplatz 1", "Wien", "AT"},
       1744,
       "EUR",
       {{"parkett", "Parkett", 9800, 800}, {"balkon", "Balkon", 6400, 600}, {"stehplatz", "Stehplatz", 900, 300}}},
      {"Hamlet",
       "The National Theatre's new staging of Shakespeare's longest play.",
       "theatre",
       "2027-02-18T19:30:00Z",
       4,
       "Europe/London",
       {"Olivier Theatre", "Upper Ground", "London", "GB"},
       1150,
       "GBP",
       {{"premium", "Premium", 9500, 150}, {"standard", "Standard", 4500, 900}, {"day-seats", "Day Seats", 1500, 100}}},
      {"Le Malade imaginaire",
       "Molière's last comedy by the Comédie-Française.",
       "theatre",
       "2027-06-10T18:00:00Z",
       3,
       "Europe/Paris",
       {"Salle Richelieu", "1 Place Colette", "Paris", "FR"},
       862,
       "EUR",
       {{"orchestre", "Orchestre", 6200, 400}, {"balcon", "Balcon", 3900, 462}}},
      {"Derby della Madonnina",
       "Inter against Milan under the lights of San Siro.",
       "sports",
       "2027-09-19T18:45:00Z",
       2,
       "Europe/Rome",
       {"Stadio San Siro", "Piazzale Angelo Moratti", "Milano", "IT"},
       75000,
       "EUR",
       {{"tribuna", "Tribuna", 18000, 15000}, {"curva", "Curva", 4500, 55000}}},
      {"Amsterdam Marathon Expo Run",
       "The 10 km city run that opens marathon weekend.",
       "sports",
       "2027-10-16T08:00:00Z",
       4,
       "Europe/Amsterdam",
       {"Olympisch Stadion", "Olympisch Stadion 2", "Amsterdam", "NL"},
       12000,
       "EUR",
       {{"runner", "Runner", 3500, 10000}, {"supporter", "Supporter Stand", 1000, 2000}}},
      {"C++ Systems Summit",
       "Two days on modern C++, concurrency and low-latency systems.",
       "conference",
       "2027-11-04T08:00:00Z",
       34,
       "Europe/Zurich",
       {"Kongresshaus", "Claridenstrasse 5", "Zürich", "CH"},
       900,
       "CHF",
       {{"early-bird", "Early Bird", 49000, 200}, {"regular", "Regular", 69000, 600}}},
      {"Cloud Native Lisbon",
       "Kubernetes, service meshes and event-driven architecture in practice.",
       "conference",
       "2027-06-23T08:30:00Z",
       9,
       "Europe/Lisbon",
       {"Centro de Congressos", "Praça das Indústrias", "Lisboa", "PT"},
       2500,
       "EUR",
       {{"standard", "Standard", 29900, 2000}, {"workshop", "Standard + Workshop", 44900, 300}}},
      {"Primavera Weekender",
       "Three stages of indie, electronic and jazz by the sea.",
       "festival",
       "2027-05-28T14:00:00Z",
       58,
       "Europe/Madrid",
       {"Parc del Fòrum", "Rambla del Prim 2-4", "Barcelona", "ES"},
       60000,
       "EUR",
       {{"weekend", "Weekend Pass", 22500, 50000}, {"vip-weekend", "VIP Weekend", 42000, 5000}}},
      {"Dublin Comedy Late Show",
       "Five stand-ups, one compère, no mercy.",
       "comedy",
       "2027-03-17T20:00:00Z",
       2,
       "Europe/Dublin",
       {"Vicar Street", "58-59 Thomas Street", "Dublin", "IE"},
       1000,
       "EUR",
       {{"seated", "Seated", 3500, 600}, {"standing", "Standing", 2500, 400}}},
      {"Jazz at the Blue Note: Late Set",
       "A late set of hard bop with the house trio and guests.",
       "concert",
       "2027-08-07T03:30:00Z",
       2,
       "America/New_York",
       {"Blue Note", "131 W 3rd St", "New York", "US"},
       250,
       "USD",
       {{"table", "Table", 6500, 150}, {"bar", "Bar", 3500, 100}}},
  };
}

// The catalogue is written for 2027. Loaded in a later year, it moves forward by whole years so
// the demo still shows upcoming events rather than a list of Completed ones.
TimePoint shiftedForward(TimePoint planned, TimePoint now) {
  using namespace std::chrono;
  auto plannedDay = floor<days>(planned);
  year_month_day ymd{plannedDay};
  int shift = std::max(0, static_cast<int>(year_month_day{floor<days>(now)}.year()) - 2026);
  auto moved = ymd + years(shift);
  if (!moved.ok()) moved = moved.year() / moved.month() / last;  // 29 February
  return sys_days(moved) + (planned - plannedDay);
}

}  // namespace

std::vector<Event> demoCatalogue(TimePoint now, const std::string& organizerId) {
  std::vector<Event> events;
  int n = 0;
  for (const auto& d : demos()) {
    ++n;
    Event e;
    constexpr const char* kHex = "0123456789abcdef";
    e.id = std::string("0d3e0000-0000-4000-8000-0000000001") + kHex[(n / 16) % 16] + kHex[n % 16];
    e.organizerId = organizerId;
    e.content.name = d.name;
    e.content.description = d.description;
    e.content.category = d.category;
    e.content.startsAt = shiftedForward(parseRfc3339(d.startsAt).value(), now);
    e.content.endsAt = e.content.startsAt + std::chrono::hours(d.hours);
    e.content.timezone = d.timezone;
    e.content.venue = d.venue;
    e.content.maxCapacity = d.capacity;
    for (const auto& t : d.tiers) e.content.priceCategories.push_back({t.id, t.name, {t.amount, d.currency}, t.seats});
    e.status = Status::Published;
    e.createdAt = e.updatedAt = now;
    e.version = 2;  // created (1), published (2)
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace boxoffice::events
