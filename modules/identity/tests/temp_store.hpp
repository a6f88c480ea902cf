#pragma once
// A real identity database in a fresh temporary directory, migrated, removed afterwards.
#include "support/temp_database.hpp"

namespace boxoffice::identity::testing {

struct TempStore : boxoffice::test_support::TempDatabase {
  TempStore() : TempDatabase("identity", embeddedMigrations()) {}
};

}  // namespace boxoffice::identity::testing
