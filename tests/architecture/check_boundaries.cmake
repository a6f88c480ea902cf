# cmake -DROOT=<source tree> -P check_boundaries.cmake
#
# Checks the boundary rules of docs/architecture.md on the sources of every module (what
# modules/<m>/** and its contract include/boxoffice/<m>/** may include, which databases they may
# open) and of the kernel (src/kernel/**, include/boxoffice/kernel/**).
# Each violation is printed as "[rule] path:line: what"; any violation fails the script.
#
# Rules:
#   private-include      an include of another module's private folder ("modules/<x>/...") or
#                        of the binary's private code ("src/...")
#   parent-include       any include with "../" (it can reach anywhere, so it is never allowed)
#   foreign-header       "boxoffice/<other>/<file>" where <file> is not api.hpp or messages.hpp
#                        (the kernel's headers are open to everyone)
#   undeclared-contract  "boxoffice/<other>/..." from a module whose USES does not name <other>:
#                        for modules/<m>/** the USES of boxoffice_module(<m>), for the contract
#                        include/boxoffice/<m>/** the USES of boxoffice_contract(<m>), both read
#                        from the tree's own modules/CMakeLists.txt
#   kernel-includes-module
#                        the kernel (src/kernel/**, include/boxoffice/kernel/**) includes a
#                        module's contract ("boxoffice/<m>/...") or private code ("modules/...")
#   contract-includes-private
#                        a contract header includes a private file: "modules/...", "src/...",
#                        a quoted path outside boxoffice/ (it resolves only next to the header or
#                        through the module's private include path), or a header of its own
#                        folder that is not api.hpp or messages.hpp
#   foreign-database     a string literal naming another module's database file ("<other>.db")
#   attach-database      ATTACH DATABASE in a module: a cross-module join by the back door
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

# USES as declared in the tree's modules/CMakeLists.txt: boxoffice_module(<m> USES ...) and
# boxoffice_contract(<m> USES ...) become module_uses_<m> and contract_uses_<m>.
set(build_file "${ROOT}/modules/CMakeLists.txt")
if(NOT EXISTS "${build_file}")
  message(FATAL_ERROR "check_boundaries: ${build_file} is missing; it declares what each module USES")
endif()
file(READ "${build_file}" build_text)
string(REGEX REPLACE "#[^\n]*" "" build_text "${build_text}")
string(REGEX MATCHALL "boxoffice_(module|contract)[ \t\r\n]*\\([^)]*\\)" declarations "${build_text}")
foreach(declaration IN LISTS declarations)
  string(REGEX MATCH "^boxoffice_(module|contract)" kind "${declaration}")
  string(REGEX REPLACE "^boxoffice_(module|contract)[ \t\r\n]*\\(([^)]*)\\)$" "\\2" arguments "${declaration}")
  string(STRIP "${arguments}" arguments)
  separate_arguments(arguments UNIX_COMMAND "${arguments}")
  list(POP_FRONT arguments declared)
  set(used "")
  list(FIND arguments USES at)
  if(at GREATER -1)
    math(EXPR first "${at} + 1")
    list(SUBLIST arguments ${first} -1 used)
  endif()
  string(REPLACE "boxoffice_" "" kind "${kind}")
  set(${kind}_uses_${declared} "${used}")
endforeach()

set(violations 0)
set(checked 0)

function(report rule file line what)
  file(RELATIVE_PATH relative "${ROOT}" "${file}")
  message(STATUS "[${rule}] ${relative}:${line}: ${what}")
  math(EXPR count "${violations} + 1")
  set(violations ${count} PARENT_SCOPE)
endfunction()

# Reads `file` into `out`, a CMake list with one entry per line (empty lines kept, so an entry's
# position is its line number).
function(read_lines file out)
  file(READ "${file}" content)
  # Make the text safe to treat as a CMake list of lines: ';' and brackets have list meaning.
  string(REPLACE ";" "<semicolon>" content "${content}")
  string(REPLACE "[" "<lbracket>" content "${content}")
  string(REPLACE "]" "<rbracket>" content "${content}")
  string(REPLACE "\\" "<backslash>" content "${content}")
  string(REPLACE "\n" ";" content "${content}")
  set(${out} "${content}" PARENT_SCOPE)
endfunction()

# Checks one file of module `module`; `part` is "module" (modules/<m>/**) or "contract"
# (include/boxoffice/<m>/**), which decides whose USES apply and which extra rules hold.
function(check_file module part file)
  read_lines("${file}" lines)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "^[ \t]*(//|/\\*|\\*)")
      continue()
    endif()

    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"]")
      set(quote "${CMAKE_MATCH_1}")
      set(path "${CMAKE_MATCH_2}")
      if(path MATCHES "^boxoffice/([^/]+)/" AND NOT CMAKE_MATCH_1 STREQUAL "kernel"
         AND NOT CMAKE_MATCH_1 STREQUAL module AND NOT CMAKE_MATCH_1 IN_LIST ${part}_uses_${module})
        report(undeclared-contract "${file}" ${number}
               "includes \"${path}\", but boxoffice_${part}(${module}) does not declare USES ${CMAKE_MATCH_1}")
      endif()
      if(path MATCHES "\\.\\./" OR path MATCHES "^\\.\\.")
        report(parent-include "${file}" ${number} "includes \"${path}\": \"../\" may reach another module's private files")
      elseif(part STREQUAL "contract" AND (path MATCHES "(^|/)modules/" OR path MATCHES "^src/"
             OR (quote STREQUAL "\"" AND NOT path MATCHES "^boxoffice/")
             OR (path MATCHES "^boxoffice/([^/]+)/(.+)$" AND CMAKE_MATCH_1 STREQUAL module
                 AND NOT CMAKE_MATCH_2 STREQUAL "api.hpp" AND NOT CMAKE_MATCH_2 STREQUAL "messages.hpp")))
        report(contract-includes-private "${file}" ${number}
               "includes \"${path}\": a contract may include only the kernel, contracts and the standard or third-party libraries")
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

# Checks one file of the kernel: it stands below every module and names none of them.
function(check_kernel_file file)
  read_lines("${file}" lines)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
      set(path "${CMAKE_MATCH_1}")
      if(path MATCHES "^boxoffice/([^/]+)/" AND NOT CMAKE_MATCH_1 STREQUAL "kernel")
        report(kernel-includes-module "${file}" ${number}
               "includes \"${path}\": the kernel must not depend on module ${CMAKE_MATCH_1}")
      elseif(path MATCHES "(^|/)modules/([^/]+)/")
        report(kernel-includes-module "${file}" ${number}
               "includes \"${path}\": the kernel must not depend on module ${CMAKE_MATCH_2}")
      endif()
    endif()
  endforeach()
  set(violations ${violations} PARENT_SCOPE)
endfunction()

set(source_globs *.cpp *.hpp *.h *.cc *.ipp)
foreach(module IN LISTS modules)
  foreach(part module contract)
    if(part STREQUAL "module")
      set(dir "${ROOT}/modules/${module}")
    else()
      set(dir "${ROOT}/include/boxoffice/${module}")
    endif()
    if(NOT IS_DIRECTORY "${dir}")
      continue()
    endif()
    list(TRANSFORM source_globs PREPEND "${dir}/" OUTPUT_VARIABLE globs)
    file(GLOB_RECURSE files ${globs})
    list(SORT files)
    foreach(file IN LISTS files)
      check_file(${module} ${part} "${file}")
      math(EXPR checked "${checked} + 1")
    endforeach()
  endforeach()
endforeach()

foreach(dir "${ROOT}/src/kernel" "${ROOT}/include/boxoffice/kernel")
  if(IS_DIRECTORY "${dir}")
    list(TRANSFORM source_globs PREPEND "${dir}/" OUTPUT_VARIABLE globs)
    file(GLOB_RECURSE files ${globs})
    list(SORT files)
    foreach(file IN LISTS files)
      check_kernel_file("${file}")
      math(EXPR checked "${checked} + 1")
    endforeach()
  endif()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "check_boundaries: no module sources under ${ROOT}; nothing was checked")
endif()
list(LENGTH modules module_count)
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} boundary violation(s) in ${checked} files of ${module_count} modules and the kernel")
endif()
message(STATUS "module boundaries: ${checked} files of ${module_count} modules and the kernel checked, no violations")
