#pragma once
// Turns what a user typed into an FTS5 MATCH expression that cannot inject FTS5 syntax:
// each whitespace-separated term becomes a quoted prefix phrase ("rad"* finds "Radiohead"),
// and the terms are ANDed. Case and diacritics are folded by the index's tokenizer
// (unicode61 remove_diacritics 2), so "cafe" finds "Café".
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice::events {

// nullopt when no term has a letter or digit (only punctuation): such a query matches nothing.
std::optional<std::string> ftsMatchExpression(std::string_view query);

// Length in Unicode code points (the unit the 200-character limit is stated in).
std::size_t codePoints(std::string_view text);

}  // namespace boxoffice::events
