#pragma once
// The web UI's files, compiled in: web_assets.cpp is generated in the build tree by
// web/scripts/embed.mjs from the Vite build of web/.
#include <span>

#include "boxoffice/kernel/static_files.hpp"

namespace boxoffice::web {

std::span<const StaticFile> assets();

}  // namespace boxoffice::web
