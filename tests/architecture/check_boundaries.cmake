# cmake -DROOT=<source tree> -P check_boundaries.cmake
#
# Checks the module-boundary rule of ARCHITECTURE.md on the sources of every module: what
# modules/<m>/** and include/boxoffice/<m>/** may include, and which databases they may open.
# Each violation is printed as "[rule] path:line: what"; any violation fails the script.
#
# Rules:
#   private-include    an include of another module's private folder ("modules/<x>/...") or of
#                      the binary's private code ("src/...")
#   parent-include     any include with "../" (it can reach anywhere, so it is never allowed)
#   foreign-header     "boxoffice/<other>/<file>" where <file> is not api.hpp or messages.hpp
#                      (the kernel's headers are open to everyone)
#   foreign-database   a string literal naming another module's database file ("<other>.db")
#   attach-database    ATTACH DATABASE in a module: a cross-module join by the back door
#
# CMake rather than C++ so the check needs no build and runs even when the code does not compile.
# Lines that start as comments are skipped (a comment may name what it must not do).
cmake_minimum_required(VERSION 3.25)

if(NOT ROOT OR NOT IS_DIRECTORY "${ROOT}/modules")
  message(FATAL_ERROR "check_boundaries: -DROOT must name a tree with a modules/ folder (got '${ROOT}')")
endif()
get_filename_component(ROOT "${ROOT}" ABSOLUTE)

# Every module name a database file could carry: the folders that exist plus the planned
# contexts (so no module opens "orders.db" before the orders module exists).
set(known_modules identity events inventory orders payments notifications audit)
file(GLOB entries LIST_DIRECTORIES true RELATIVE "${ROOT}/modules" "${ROOT}/modules/*")
set(modules "")
foreach(entry IN LISTS entries)
  if(IS_DIRECTORY "${ROOT}/modules/${entry}")
    list(APPEND modules ${entry})
  endif()
endforeach()
list(APPEND known_modules ${modules})
if(IS_DIRECTORY "${ROOT}/include/boxoffice")
  file(GLOB contracts LIST_DIRECTORIES true RELATIVE "${ROOT}/include/boxoffice" "${ROOT}/include/boxoffice/*")
  foreach(entry IN LISTS contracts)
    if(IS_DIRECTORY "${ROOT}/include/boxoffice/${entry}" AND NOT entry STREQUAL "kernel")
      list(APPEND known_modules ${entry})
      list(APPEND modules ${entry})
    endif()
  endforeach()
endif()
list(REMOVE_DUPLICATES known_modules)
list(REMOVE_DUPLICATES modules)

set(violations 0)
set(checked 0)

function(report rule file line what)
  file(RELATIVE_PATH relative "${ROOT}" "${file}")
  message(STATUS "[${rule}] ${relative}:${line}: ${what}")
  math(EXPR count "${violations} + 1")
  set(violations ${count} PARENT_SCOPE)
endfunction()

# Checks one file of module `module`.
function(check_file module file)
  file(READ "${file}" content)
  # Make the text safe to treat as a CMake list of lines: ';' and brackets have list meaning.
  string(REPLACE ";" "<semicolon>" content "${content}")
  string(REPLACE "[" "<lbracket>" content "${content}")
  string(REPLACE "]" "<rbracket>" content "${content}")
  string(REPLACE "\\" "<backslash>" content "${content}")
  string(REPLACE "\n" ";" lines "${content}")
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "^[ \t]*(//|/\\*|\\*)")
      continue()
    endif()

    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
      set(path "${CMAKE_MATCH_1}")
      if(path MATCHES "\\.\\./" OR path MATCHES "^\\.\\.")
        report(parent-include "${file}" ${number} "includes \"${path}\": \"../\" may reach another module's private files")
      elseif(path MATCHES "(^|/)modules/([^/]+)/" AND NOT CMAKE_MATCH_2 STREQUAL module)
        report(private-include "${file}" ${number} "includes \"${path}\", a private file of module ${CMAKE_MATCH_2}")
      elseif(path MATCHES "^src/")
        report(private-include "${file}" ${number} "includes \"${path}\", private code of the binary")
      elseif(path MATCHES "^boxoffice/([^/]+)/(.+)$")
        set(owner "${CMAKE_MATCH_1}")
        set(name "${CMAKE_MATCH_2}")
        if(NOT owner STREQUAL "kernel" AND NOT owner STREQUAL module
           AND NOT name STREQUAL "api.hpp" AND NOT name STREQUAL "messages.hpp")
          report(foreign-header "${file}" ${number} "includes \"${path}\": only api.hpp and messages.hpp of module ${owner} are public")
        endif()
      endif()
      continue()
    endif()

    string(REGEX MATCHALL "\"[^\"]*\\.db\"" literals "${line}")
    foreach(literal IN LISTS literals)
      if(literal MATCHES "([A-Za-z0-9_-]+)\\.db\"$")
        set(owner "${CMAKE_MATCH_1}")
        if(owner IN_LIST known_modules AND NOT owner STREQUAL module)
          report(foreign-database "${file}" ${number} "names ${literal}, the database of module ${owner}")
        endif()
      endif()
    endforeach()
    string(TOUPPER "${line}" upper)
    if(upper MATCHES "ATTACH[ \t]+(DATABASE[ \t]+)?['\"]")
      report(attach-database "${file}" ${number} "ATTACH DATABASE joins another database into this module's connection")
    endif()
  endforeach()
  set(violations ${violations} PARENT_SCOPE)
endfunction()

foreach(module IN LISTS modules)
  set(files "")
  foreach(dir "${ROOT}/modules/${module}" "${ROOT}/include/boxoffice/${module}")
    if(IS_DIRECTORY "${dir}")
      file(GLOB_RECURSE found "${dir}/*.cpp" "${dir}/*.hpp" "${dir}/*.h" "${dir}/*.cc" "${dir}/*.ipp")
      list(APPEND files ${found})
    endif()
  endforeach()
  list(SORT files)
  foreach(file IN LISTS files)
    check_file(${module} "${file}")
    math(EXPR checked "${checked} + 1")
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "check_boundaries: no module sources under ${ROOT}; nothing was checked")
endif()
list(LENGTH modules module_count)
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} module-boundary violation(s) in ${checked} files of ${module_count} modules")
endif()
message(STATUS "module boundaries: ${checked} files of ${module_count} modules checked, no violations")
