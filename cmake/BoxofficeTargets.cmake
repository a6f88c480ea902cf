# Helpers that give every project target the same flags and enforce module boundaries.

function(boxoffice_project_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual)
  # GCC 12 reports false -Wrestrict positives inside std::string (GCC bug 105651).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(BOXOFFICE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(BOXOFFICE_SANITIZE)
    # vptr checks need type information SOCI's shared library does not export. GCC's
    # -Wmaybe-uninitialized misfires inside Beast once ASan instruments it.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize=vptr
      -fno-omit-frame-pointer -fno-sanitize-recover=undefined -Wno-maybe-uninitialized)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize=vptr)
  endif()
  # Boost.Asio/Beast: no deprecated interfaces, and a smaller compile.
  target_compile_definitions(${target} PRIVATE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
endfunction()

# boxoffice_module(<name> [USES <module>...])
# A module's public contract (include/boxoffice/<name>/api.hpp, messages.hpp) is the INTERFACE
# target boxoffice::<name>_contract. Its private code in modules/<name>/ becomes the static
# library boxoffice_<name>, which may see only the kernel, its own folder and the contracts of
# the modules listed in USES. Its unit tests (modules/<name>/tests/*.cpp) become <name>_tests.
function(boxoffice_module name)
  cmake_parse_arguments(MOD "" "" "USES" ${ARGN})
  set(dir ${CMAKE_SOURCE_DIR}/modules/${name})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  add_library(boxoffice_${name} STATIC ${sources})
  target_include_directories(boxoffice_${name} PRIVATE ${dir})
  target_link_libraries(boxoffice_${name} PUBLIC boxoffice::kernel boxoffice::${name}_contract)
  foreach(used IN LISTS MOD_USES)
    target_link_libraries(boxoffice_${name} PUBLIC boxoffice::${used}_contract)
  endforeach()
  boxoffice_project_flags(boxoffice_${name})

  file(GLOB test_sources CONFIGURE_DEPENDS ${dir}/tests/*.cpp)
  if(test_sources)
    add_executable(${name}_tests ${test_sources})
    target_include_directories(${name}_tests PRIVATE ${dir})
    target_link_libraries(${name}_tests PRIVATE boxoffice_${name} boxoffice::test_main)
    boxoffice_project_flags(${name}_tests)
    doctest_discover_tests(${name}_tests TEST_PREFIX "${name}: "
      PROPERTIES ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  endif()
endfunction()

function(boxoffice_contract name)
  add_library(boxoffice_${name}_contract INTERFACE)
  add_library(boxoffice::${name}_contract ALIAS boxoffice_${name}_contract)
  target_link_libraries(boxoffice_${name}_contract INTERFACE boxoffice::kernel)
endfunction()
