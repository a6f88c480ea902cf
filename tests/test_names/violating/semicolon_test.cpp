// Fixture for tests/test_names/check_test_names.cmake: a name ctest would cut at the semicolon.
#include <doctest/doctest.h>

TEST_CASE("a name with a semicolon; ctest cuts it here") {}
