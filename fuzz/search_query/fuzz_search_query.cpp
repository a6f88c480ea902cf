// The search-query builder (modules/events/search_query.hpp): what a user types must never
// become FTS5 syntax. Every expression it builds is run as a MATCH against a real FTS5 table
// with the events module's tokenizer; SQLite refusing it (a syntax error) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sqlite3.h>
#include <string_view>

#include "search_query.hpp"

namespace {

// The table is made once per process: libFuzzer calls the entry point millions of times.
sqlite3* searchTable() {
  static std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db = [] {
    sqlite3* raw = nullptr;
    if (sqlite3_open(":memory:", &raw) != SQLITE_OK) std::abort();
    const char* schema =
        "CREATE VIRTUAL TABLE events_search USING fts5(name, description, venue, city, category, "
        "tokenize = 'unicode61 remove_diacritics 2');"
        "INSERT INTO events_search VALUES ('Radiohead', 'Live in Berlin', 'Arena', 'Berlin', 'concert');";
    if (sqlite3_exec(raw, schema, nullptr, nullptr, nullptr) != SQLITE_OK) std::abort();
    return std::unique_ptr<sqlite3, decltype(&sqlite3_close)>(raw, &sqlite3_close);
  }();
  return db.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  auto expression = boxoffice::events::ftsMatchExpression(query);
  if (!expression) return 0;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(searchTable(), "SELECT rowid FROM events_search WHERE events_search MATCH ?1", -1, &statement,
                         nullptr) != SQLITE_OK) {
    std::abort();
  }
  sqlite3_bind_text(statement, 1, expression->data(), static_cast<int>(expression->size()), SQLITE_TRANSIENT);
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
  }
  sqlite3_finalize(statement);
  if (step != SQLITE_DONE) std::abort();  // the builder let FTS5 syntax through
  return 0;
}
