#include <array>
#include <boost/json.hpp>
#include <cstring>
#include <sodium.h>

#include "boxoffice/kernel/api_reference.hpp"

namespace boxoffice {

namespace {

namespace api = openapi;

// "'sha256-<base64>'" for a Content-Security-Policy that allows exactly this style block.
std::string cspHash(std::string_view text) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::string encoded(sodium_base64_ENCODED_LEN(digest.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), digest.data(), digest.size(), sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(std::strlen(encoded.c_str()));
  return "'sha256-" + encoded + "'";
}

}  // namespace

std::string_view apiReferenceStyle() {
  return "body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:0 auto;padding:1rem;color:#1d1d1f}"
         "h2{border-bottom:2px solid #ddd;margin-top:2.5rem}h3{font-size:1rem;margin:.2rem 0}"
         "h4{font-size:.9rem;margin:.8rem 0 .2rem}.op{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;"
         "margin:.8rem 0}pre{background:#f6f6f8;padding:.5rem;overflow-x:auto;font-size:.8rem}"
         "table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:.2rem .4rem;"
         "text-align:left}.m{display:inline-block;min-width:4rem;font-family:monospace;text-transform:uppercase}"
         ".get{color:#0a6}.post{color:#06c}.put,.patch{color:#a60}.delete{color:#c00}"
         "@media (prefers-color-scheme:dark){body{background:#111;color:#eee}pre{background:#222}}";
}

void registerApiReferenceRoutes(Router& router, std::string_view version) {
  // The document describes these two routes too, so it is rendered after they exist.
  auto document = std::make_shared<std::string>();
  auto page = std::make_shared<std::string>();
  auto policy = "default-src 'none'; style-src " + cspHash(apiReferenceStyle());
  router
      .add(
          http::Method::Get, "/api/v1/openapi.json", "reference", Access::anyone(),
          [document](const http::Request&, RequestContext&) {
            auto response = http::Response::json(200, *document);
            response.headers["Cache-Control"] = "public, max-age=300";
            return response;
          },
          Execution::IoThread)
      .describe({.summary = "This API as an OpenAPI 3.1 document",
                 .responses = {{200, "The document",
                                api::openObject({{"openapi", api::string()},
                                                 {"info", api::anyValue()},
                                                 {"paths", api::anyValue()},
                                                 {"components", api::anyValue()}})}}});
  router
      .add(
          http::Method::Get, "/api/v1/reference", "reference", Access::anyone(),
          [page, policy](const http::Request&, RequestContext&) {
            http::Response response;
            response.headers["Content-Type"] = "text/html; charset=utf-8";
            response.headers["Content-Security-Policy"] = policy;
            response.headers["Cache-Control"] = "public, max-age=300";
            response.body = *page;
            return response;
          },
          Execution::IoThread)
      .describe({.summary = "This API's reference, as a page to read",
                 .responses = {{200, "An HTML page without scripts", std::nullopt, {"text/html"}}}});
  auto built = openApiDocument(router, version);
  *document = boost::json::serialize(built);
  *page = apiReferencePage(built);
}

}  // namespace boxoffice
