#include "reasons.hpp"

#include <algorithm>
#include <array>

namespace boxoffice::notifications {

namespace {

struct Phrase {
  std::string_view slug, en, de;
};

// Every slug the orders, payments and inventory messages use as a reason.
constexpr std::array kPhrases{
    Phrase{"byBuyer", "you cancelled it", "Sie haben sie storniert"},
    Phrase{"byAdmin", "an administrator cancelled it", "ein Administrator hat sie storniert"},
    Phrase{"chargeback", "the payment was charged back", "die Zahlung wurde zurückgebucht"},
    Phrase{"eventCancelled", "the event was cancelled", "die Veranstaltung wurde abgesagt"},
    Phrase{"eventDeleted", "the event was removed", "die Veranstaltung wurde entfernt"},
    Phrase{"holdExpired", "the seats' hold ran out before payment",
           "die Reservierung der Plätze ist vor der Zahlung abgelaufen"},
    Phrase{"holdReleased", "the seats were released", "die Plätze wurden freigegeben"},
    Phrase{"orderCancelled", "the order was cancelled", "die Bestellung wurde storniert"},
    Phrase{"seatsUnavailable", "the seats were no longer available", "die Plätze waren nicht mehr verfügbar"},
    Phrase{"sagaTimedOut", "the checkout took too long", "der Bestellvorgang hat zu lange gedauert"},
    Phrase{"not-enough-seats", "not enough seats were left", "es waren nicht mehr genug Plätze frei"},
    Phrase{"card-declined", "the card was declined", "die Karte wurde abgelehnt"},
    Phrase{"payment-declined", "the payment was declined", "die Zahlung wurde abgelehnt"},
    Phrase{"insufficient-funds", "the card has insufficient funds", "die Karte ist nicht ausreichend gedeckt"},
    Phrase{"fraud-suspected", "the payment was refused by our fraud checks",
           "die Zahlung wurde von unserer Betrugsprüfung abgelehnt"},
    Phrase{"gateway-unavailable", "the payment provider was unavailable", "der Zahlungsanbieter war nicht erreichbar"},
    Phrase{"card-expired", "the card has expired", "die Karte ist abgelaufen"},
};

}  // namespace

std::string reasonWords(std::string_view slug, std::string_view language) {
  const auto* found = std::find_if(kPhrases.begin(), kPhrases.end(), [&](const Phrase& p) { return p.slug == slug; });
  if (found != kPhrases.end()) return std::string(language == "de" ? found->de : found->en);
  std::string words(slug);
  std::replace(words.begin(), words.end(), '-', ' ');
  return words;
}

}  // namespace boxoffice::notifications
