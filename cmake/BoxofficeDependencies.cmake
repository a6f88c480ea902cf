# Finds every third-party library and wraps the ones that ship no CMake files.
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url program_options)
find_package(fmt REQUIRED)
find_package(doctest REQUIRED)
include(${doctest_DIR}/doctest.cmake)  # doctest_discover_tests
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)

# SOCI ships neither CMake nor pkg-config files on Debian 12.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3 REQUIRED)
add_library(soci::core UNKNOWN IMPORTED)
set_target_properties(soci::core PROPERTIES
  IMPORTED_LOCATION ${SOCI_CORE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR})
add_library(soci::sqlite3 UNKNOWN IMPORTED)
set_target_properties(soci::sqlite3 PROPERTIES
  IMPORTED_LOCATION ${SOCI_SQLITE3_LIBRARY}
  INTERFACE_LINK_LIBRARIES "soci::core;SQLite::SQLite3")
# storage.backend = postgresql: SOCI's postgresql backend, and libpq itself for the writer's
# prepared-statement cache (src/kernel/postgres_statements.cpp).
find_package(PostgreSQL REQUIRED)
find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql REQUIRED)
add_library(soci::postgresql UNKNOWN IMPORTED)
set_target_properties(soci::postgresql PROPERTIES
  IMPORTED_LOCATION ${SOCI_POSTGRESQL_LIBRARY}
  INTERFACE_LINK_LIBRARIES "soci::core;PostgreSQL::PostgreSQL")

# Notifications: SMTP through libcurl; money and dates in the reader's locale and time zone
# through ICU (CLDR formats, its own time-zone data).
find_package(CURL REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)

# Tickets: QR codes through libqrencode, PNG output through libpng.
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
find_package(PNG REQUIRED)
