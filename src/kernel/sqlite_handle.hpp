#pragma once
// The sqlite3 connection under a SOCI session, for the calls SOCI does not wrap (prepared
// statement cache, WAL hook, busy handler, checkpoints). Private to the kernel's storage code.
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace boxoffice {

inline sqlite_api::sqlite3* sqliteHandleOf(soci::session& session) {
  // Every session of the kernel is opened by Database::open with the sqlite3 backend.
  auto* backend = static_cast<soci::sqlite3_session_backend*>(  // NOLINT(*-static-cast-downcast)
      session.get_backend());
  return backend->conn_;
}

}  // namespace boxoffice
