#pragma once
// A fixed set of files served from memory: the web UI, built and compressed at build time and
// compiled into the binary (docs/architecture.md, "The web UI"). The kernel knows nothing of what
// the files are; the composition root hands it the table and the client-side page routes.
//
// What a client gets:
// - the representation its Accept-Encoding prefers among those built (br, gzip, identity), with
//   `Vary: Accept-Encoding` and a strong ETag per representation; If-None-Match → 304;
// - hashed assets (`/assets/...`) with `Cache-Control: public, max-age=31536000, immutable`,
//   the HTML page with `no-cache` (always revalidated, so a new build is seen at once);
// - the page with a Content-Security-Policy, and every answer with `nosniff` and a referrer policy.
// A path that is not in the table is a 404 problem: nothing is ever read from the file system,
// so no path can reach outside the table.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/router.hpp"

namespace boxoffice {

struct StaticFile {
  std::string_view path;  // relative to the site's root, e.g. "index.html", "assets/index-3f2a.js"
  std::string_view contentType;
  std::string_view etag;      // the quoted strong tag of the identity bytes, e.g. "\"3f2a…\""
  std::string_view identity;  // the bytes as built
  std::string_view gzip;      // empty: not worth compressing
  std::string_view brotli;    // empty: not worth compressing
};

enum class ContentCoding { Identity, Gzip, Brotli };

// The coding to send for an Accept-Encoding value (RFC 9110 §12.5.3, q-values and `*`
// honoured), among those the file has. Brotli first (smallest), then gzip, then identity.
ContentCoding chooseCoding(std::string_view acceptEncoding, bool hasGzip, bool hasBrotli);

struct StaticSiteOptions {
  std::string module = "web";  // for log lines and metrics
  std::string index = "index.html";
  std::string assetPrefix = "assets/";  // files under it are content-hashed: cached for a year
  // Client-side routes that answer with the index page (route templates: "/events/{id}").
  std::vector<std::string> pageRoutes;
  std::string contentSecurityPolicy;
};

// The answer for one file (GET or HEAD; the pipeline drops HEAD's body).
http::Response serveStaticFile(const StaticFile& file, const http::Request& request, bool immutable,
                               std::string_view contentSecurityPolicy);

// Registers GET / (the index), GET /assets/{file} and every page route. `files` must outlive
// the router (the generated table is static).
void registerStaticSite(Router& router, std::span<const StaticFile> files, const StaticSiteOptions& options);

}  // namespace boxoffice
