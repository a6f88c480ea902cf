#include "search_query.hpp"

#include <algorithm>
#include <vector>

namespace boxoffice::events {

namespace {

// Spaces and every other ASCII control character separate terms. FTS5 reads the expression as a
// C string, so a NUL inside a phrase would end it early (a syntax error); the search route
// refuses control characters before this runs, but the builder keeps its own promise (found by
// fuzz/search_query).
bool isSeparator(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return c <= 0x20 || c == 0x7f;
}

// unicode61 treats ASCII punctuation as a separator and every non-ASCII letter as part of a
// token, so a term yields a token iff it has an ASCII letter/digit or any non-ASCII byte.
bool hasTokenCharacter(std::string_view term) {
  return std::any_of(term.begin(), term.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
}

}  // namespace

std::optional<std::string> ftsMatchExpression(std::string_view query) {
  std::string expression;
  std::size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && isSeparator(query[i])) ++i;
    std::size_t start = i;
    while (i < query.size() && !isSeparator(query[i])) ++i;
    auto term = query.substr(start, i - start);
    if (term.empty() || !hasTokenCharacter(term)) continue;
    if (!expression.empty()) expression += ' ';
    expression += '"';
    for (char c : term) {
      if (c == '"') expression += '"';  // "" is a literal quote inside an FTS5 string
      expression += c;
    }
    expression += "\"*";
  }
  if (expression.empty()) return std::nullopt;
  return expression;
}

std::string tsQueryOf(std::string_view ftsExpression) {
  std::string query;
  std::size_t i = 0;
  while (i < ftsExpression.size()) {
    if (ftsExpression[i] != '"') {
      ++i;  // the space between phrases, or the * after one
      continue;
    }
    std::string phrase;
    for (++i; i < ftsExpression.size(); ++i) {
      if (ftsExpression[i] == '"') {
        if (i + 1 < ftsExpression.size() && ftsExpression[i + 1] == '"') {
          phrase += '"';
          ++i;
          continue;
        }
        ++i;
        break;
      }
      phrase += ftsExpression[i];
    }
    std::vector<std::string> tokens;
    std::string token;
    for (char ch : phrase) {
      auto c = static_cast<unsigned char>(ch);
      bool part = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (part) {
        token += ch;
      } else if (!token.empty()) {
        tokens.push_back(std::move(token));
        token.clear();
      }
    }
    if (!token.empty()) tokens.push_back(std::move(token));
    if (tokens.empty()) continue;
    if (!query.empty()) query += " & ";
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      if (t > 0) query += " <-> ";
      query += "'" + tokens[t] + "'";
    }
    query += ":*";
  }
  return query;
}

std::size_t codePoints(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace boxoffice::events
