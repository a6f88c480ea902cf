#pragma once
// Why something failed or was cancelled, in the reader's words. Messages carry slugs
// (`card-declined`, `byBuyer`, ...); a template shows the phrase for the reader's language
// (en, de), so a German receipt does not say "the card was declined". An unknown slug is
// spelled out with its dashes as spaces (the same in every language).
#include <string>
#include <string_view>

namespace boxoffice::notifications {

std::string reasonWords(std::string_view slug, std::string_view language);

}  // namespace boxoffice::notifications
