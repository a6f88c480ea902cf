# The web UI (web/): TypeScript + Preact, bundled by Vite, compressed and compiled into the
# binary (docs/architecture.md, "The web UI"). Defines boxoffice_web_assets(<out var>): the
# generated C++ source of the embedded files, rebuilt only when something under web/ that the
# bundle is made of changes.
#
# Node.js (18 or newer) and npm come from the machine (scripts/install-deps.sh installs Debian's
# nodejs and npm); `npm ci` installs exactly what web/package-lock.json pins into web/node_modules.

find_program(BOXOFFICE_NODE NAMES node nodejs)
find_program(BOXOFFICE_NPM NAMES npm)
if(NOT BOXOFFICE_NODE OR NOT BOXOFFICE_NPM)
  message(FATAL_ERROR
    "boxoffice: the web UI is built with Node.js (18 or newer) and npm, and this machine has "
    "${BOXOFFICE_NODE} / ${BOXOFFICE_NPM}. Run scripts/install-deps.sh (it installs Debian's nodejs and "
    "npm), or `apt-get install nodejs npm`, then configure again.")
endif()
execute_process(COMMAND ${BOXOFFICE_NODE} --version OUTPUT_VARIABLE boxoffice_node_version
  OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX REPLACE "^v([0-9]+).*" "\\1" boxoffice_node_major "${boxoffice_node_version}")
if(boxoffice_node_major LESS 18)
  message(FATAL_ERROR "boxoffice: the web UI needs Node.js 18 or newer; ${BOXOFFICE_NODE} is ${boxoffice_node_version}")
endif()

function(boxoffice_web_assets out)
  set(web ${CMAKE_SOURCE_DIR}/web)
  set(build ${CMAKE_BINARY_DIR}/web)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${web}/src/* ${web}/public/*)
  # npm ci removes and reinstalls node_modules: only when the lockfile changes. Browsers are never
  # downloaded (Playwright drives Debian's chromium).
  add_custom_command(
    OUTPUT ${build}/npm-ci.stamp
    COMMAND ${CMAKE_COMMAND} -E env PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ${BOXOFFICE_NPM} ci --no-audit --no-fund
            --loglevel=error
    COMMAND ${CMAKE_COMMAND} -E touch ${build}/npm-ci.stamp
    WORKING_DIRECTORY ${web}
    DEPENDS ${web}/package.json ${web}/package-lock.json
    COMMENT "Web UI: npm ci (web/package-lock.json)"
    VERBATIM)
  add_custom_command(
    OUTPUT ${build}/web_assets.cpp ${build}/bundle-size.txt
    COMMAND ${BOXOFFICE_NODE} node_modules/typescript/bin/tsc --noEmit -p .
    COMMAND ${BOXOFFICE_NODE} node_modules/vite/bin/vite.js build --outDir ${build}/dist --emptyOutDir
            --logLevel warn
    COMMAND ${BOXOFFICE_NODE} scripts/embed.mjs ${build}/dist ${build}/web_assets.cpp ${build}/bundle-size.txt
    WORKING_DIRECTORY ${web}
    DEPENDS ${build}/npm-ci.stamp ${sources} ${web}/index.html ${web}/vite.config.ts ${web}/tsconfig.json
            ${web}/scripts/embed.mjs
    COMMENT "Web UI: type check, vite build, gzip + brotli, embed"
    VERBATIM)
  set(${out} ${build}/web_assets.cpp PARENT_SCOPE)
endfunction()
