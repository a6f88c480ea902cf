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
  if(BOXOFFICE_FUZZ)
    # Our code is instrumented for libFuzzer's coverage feedback and checked by ASan + UBSan;
    # only the fuzz executables (fuzz/) link the fuzzer's main.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=vptr
      -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize=vptr)
  endif()
  # Boost.Asio/Beast: no deprecated interfaces, and a smaller compile.
  target_compile_definitions(${target} PRIVATE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
endfunction()

# Include roots: each part of include/boxoffice/ (the kernel, or one module's contract) gets a
# root of its own in the build tree, ${CMAKE_BINARY_DIR}/include/<part>/boxoffice/<part>, a
# symbolic link to include/boxoffice/<part>. A target whose include path holds that root can
# include "boxoffice/<part>/..." and nothing else under include/: an include of any other part
# is "No such file or directory". The headers stay where docs/architecture.md says they are.
function(boxoffice_include_root part out)
  set(original ${CMAKE_SOURCE_DIR}/include/boxoffice/${part})
  if(NOT IS_DIRECTORY ${original})
    message(FATAL_ERROR "boxoffice: include/boxoffice/${part} does not exist")
  endif()
  set(root ${CMAKE_BINARY_DIR}/include/${part})
  set(link ${root}/boxoffice/${part})
  file(MAKE_DIRECTORY ${root}/boxoffice)
  if(IS_SYMLINK ${link})
    file(READ_SYMLINK ${link} current)
  endif()
  if(NOT current STREQUAL original)
    file(REMOVE ${link})
    file(CREATE_LINK ${original} ${link} SYMBOLIC)  # no COPY_ON_ERROR: a copy would go stale
  endif()
  set(${out} ${root} PARENT_SCOPE)
endfunction()

# boxoffice_contract(<name> [USES <module>...])
# A module's public contract (include/boxoffice/<name>/api.hpp, messages.hpp) is the INTERFACE
# target boxoffice::<name>_contract: the include root of include/boxoffice/<name> and the kernel.
# USES names the contracts its headers include (they become visible to whoever includes this
# one, so the module that owns this contract must declare them too).
function(boxoffice_contract name)
  cmake_parse_arguments(CON "" "" "USES" ${ARGN})
  boxoffice_include_root(${name} root)
  add_library(boxoffice_${name}_contract INTERFACE)
  add_library(boxoffice::${name}_contract ALIAS boxoffice_${name}_contract)
  target_include_directories(boxoffice_${name}_contract INTERFACE ${root})
  target_link_libraries(boxoffice_${name}_contract INTERFACE boxoffice::kernel)
  foreach(used IN LISTS CON_USES)
    target_link_libraries(boxoffice_${name}_contract INTERFACE boxoffice::${used}_contract)
  endforeach()
  set_property(TARGET boxoffice_${name}_contract PROPERTY BOXOFFICE_USES "${CON_USES}")
endfunction()

# boxoffice_module(<name> [USES <module>...])
# A module's private code in modules/<name>/ becomes the static library boxoffice_<name>. Its
# include path holds the kernel's root, its own contract's root, its own folder and the roots
# of the contracts listed in USES; nothing else (boxoffice_contract(<name>) must come first).
# Its unit tests (modules/<name>/tests/*.cpp) become <name>_tests and see the same.
function(boxoffice_module name)
  cmake_parse_arguments(MOD "" "" "USES" ${ARGN})
  if(NOT TARGET boxoffice_${name}_contract)
    message(FATAL_ERROR "boxoffice_module(${name}): declare boxoffice_contract(${name}) first")
  endif()
  get_target_property(contract_uses boxoffice_${name}_contract BOXOFFICE_USES)
  foreach(used IN LISTS contract_uses)
    if(NOT used IN_LIST MOD_USES)
      message(FATAL_ERROR "boxoffice_module(${name}): its contract USES ${used}, so the module must "
                          "declare USES ${used} too")
    endif()
  endforeach()
  set(dir ${CMAKE_SOURCE_DIR}/modules/${name})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  add_library(boxoffice_${name} STATIC ${sources})
  target_include_directories(boxoffice_${name} PRIVATE ${dir})
  target_link_libraries(boxoffice_${name} PUBLIC boxoffice::kernel boxoffice::${name}_contract)
  foreach(used IN LISTS MOD_USES)
    if(NOT TARGET boxoffice_${used}_contract)
      message(FATAL_ERROR "boxoffice_module(${name}): USES ${used}, which has no boxoffice_contract(${used})")
    endif()
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
