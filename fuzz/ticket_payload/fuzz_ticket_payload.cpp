// QR payloads as a door scanner reads them (modules/tickets/ticket_signature.hpp): readClaim and
// verifyPayload take what strangers print, and never throw. A payload that verifies under our key
// is one we signed: its claim signs again to the very same text. The other way round, claims made
// from the bytes either are refused by signClaim (std::invalid_argument) or round-trip exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ticket_signature.hpp"

namespace bt = boxoffice::tickets;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bt::SigningKeyPair key = bt::SigningKeyPair::generate();  // once per process
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto claim = bt::readClaim(text);
  if (bt::verifyPayload(text, key.publicKey())) {
    if (!claim || bt::signClaim(*claim, key) != text) std::abort();
  }
  // Fields cut from the bytes at the first three NULs: ticketId, eventId, categoryId, keyId.
  bt::TicketClaim made;
  std::string* fields[] = {&made.ticketId, &made.eventId, &made.categoryId, &made.keyId};
  std::size_t field = 0;
  for (char c : text) {
    if (c == '\0' && field < 3) {
      ++field;
    } else {
      fields[field]->push_back(c);
    }
  }
  try {
    auto payload = bt::signClaim(made, key);
    auto back = bt::readClaim(payload);
    if (!back || !bt::verifyPayload(payload, key.publicKey()) || back->categoryId != made.categoryId ||
        back->keyId != made.keyId) {
      std::abort();
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
