# cmake -DROOT=<dir> -P check_test_names.cmake
cmake_minimum_required(VERSION 3.20)
# Fails if a doctest TEST_CASE name under ROOT contains ';'. ctest's test list is a CMake list,
# so doctest_discover_tests cuts such a name at the ';': the entry then filters for a test case
# that does not exist and "passes" having run nothing (17 tests silently never ran that way).
file(GLOB_RECURSE sources "${ROOT}/*.cpp")
list(FILTER sources EXCLUDE REGEX "/build[^/]*/")  # build trees hold generated sources
set(found "")
foreach(source IN LISTS sources)
  if(source MATCHES "/test_names/violating/" AND NOT ROOT MATCHES "/test_names/violating$")
    continue()  # the fixture below proves this check can fail; it is not a real test
  endif()
  file(STRINGS "${source}" lines REGEX "TEST_CASE\\(\"[^\"]*;")
  foreach(line IN LISTS lines)
    string(APPEND found "  ${source}: ${line}\n")
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "test case names with ';' (ctest would run nothing for them); use ',':\n${found}")
endif()
