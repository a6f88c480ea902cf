#pragma once
// The web UI's routes: the page at / and at every client-side route, and its hashed assets.
#include "boxoffice/kernel/router.hpp"

namespace boxoffice::web {

// The policy of every page: scripts, styles and connections only from this origin, no inline
// script or style, images from here or blob: (ticket QR codes fetched with the bearer token),
// never framed.
inline constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void registerRoutes(Router& router);

}  // namespace boxoffice::web
