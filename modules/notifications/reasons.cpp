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
    Phrase{"card-details-lost", "the card details were lost before the payment; please pay again",
           "die Kartendaten gingen vor der Zahlung verloren; bitte zahlen Sie erneut"},
    Phrase{"charged-back", "the payment was charged back", "die Zahlung wurde zurückgebucht"},
    Phrase{"per-user-limit", "it would exceed the tickets allowed per buyer",
           "sie hätte die erlaubte Zahl an Tickets pro Person überschritten"},
    Phrase{"event-not-on-sale", "the event is not on sale", "die Veranstaltung ist nicht im Verkauf"},
    Phrase{"event-not-found", "the event no longer exists", "die Veranstaltung existiert nicht mehr"},
    Phrase{"saga-timed-out", "the checkout took too long", "der Bestellvorgang hat zu lange gedauert"},
    Phrase{"reservation-expired", "the seats' hold ran out before payment",
           "die Reservierung der Plätze ist vor der Zahlung abgelaufen"},
    Phrase{"too-close-to-start", "the event starts too soon", "die Veranstaltung beginnt zu bald"},
    Phrase{"mixed-currencies", "the prices were in different currencies",
           "die Preise waren in verschiedenen Währungen"},
    Phrase{"invalid-amount", "the amount could not be charged", "der Betrag konnte nicht belastet werden"},
    Phrase{"unsupported-method", "the payment method is not supported", "die Zahlungsart wird nicht unterstützt"},
    Phrase{"transient-error", "a temporary error occurred", "ein vorübergehender Fehler ist aufgetreten"},
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
