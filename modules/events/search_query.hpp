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

// The same search as a PostgreSQL tsquery text, from an expression ftsMatchExpression made: each
// quoted phrase is split into tokens as unicode61 does (ASCII punctuation separates, non-ASCII
// bytes belong to the token), its tokens must follow each other (<->), its last is a prefix (:*),
// and the phrases are ANDed: "rock-n"* "cafe"* -> 'rock' <-> 'n':* & 'cafe':*. Tokens hold no
// quote or operator character, so the text cannot inject tsquery syntax; case and diacritics are
// folded by the caller's SQL (unaccent, the 'simple' configuration).
std::string tsQueryOf(std::string_view ftsExpression);

// Length in Unicode code points (the unit the 200-character limit is stated in).
std::size_t codePoints(std::string_view text);

}  // namespace boxoffice::events
