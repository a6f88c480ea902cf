#pragma once
// The OpenAPI 3.1 document assembled from the router (kernel/openapi.hpp), and the two routes
// that serve it: /api/v1/openapi.json for programs and /api/v1/reference, a self-contained
// HTML page for people. Register them after every module's routes: the document is rendered
// once, at registration, from the routes registered by then (including these two).
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "boxoffice/kernel/router.hpp"

namespace boxoffice {

boost::json::object openApiDocument(const Router& router, std::string_view version);
std::string apiReferencePage(const boost::json::object& document);
// The page's one style block; its hash goes into the page's Content-Security-Policy.
std::string_view apiReferenceStyle();
void registerApiReferenceRoutes(Router& router, std::string_view version);

}  // namespace boxoffice
