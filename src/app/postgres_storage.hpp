#pragma once
// storage.backend = postgresql: one database, one schema and one login role per module
// (docs/architecture.md#storage). What a module's Database connects with, and what
// `boxoffice migrate` prepares as the administrator before the modules migrate their schemas.
#include <span>
#include <string>
#include <string_view>

#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice::app {

// Whether storage.backend is postgresql (StartupError for a value other than sqlite/postgresql).
bool usesPostgres(const Config& config);

// The module's role name: storage.postgresql.rolePrefix + module ("boxoffice_events").
std::string moduleRole(const Config& config, std::string_view module);

// Where the module's Database connects: storage.postgresql.url as the module's role, with its
// password from storage.postgresql.passwordsFile if one is set; the schema is the module's name.
Database::Postgres moduleConnection(const Config& config, std::string_view module);

// As the administrator (storage.postgresql.adminUrl), under an advisory lock so two migrates do
// not race: creates each module's role and schema (owned by the role), takes every right from
// PUBLIC on the database, on `public` and on each schema, sets each role's search_path, and
// installs unaccent and the case-insensitive collation into `extensions`, which every role may
// only use. Idempotent. Throws StartupError when it cannot.
void preparePostgres(const Config& config, std::span<const std::string_view> modules, Logger& log);

}  // namespace boxoffice::app
