#pragma once
// From a request Beast has parsed off the wire to the kernel's http::Request: method, target
// split into the path (kept percent-encoded: the router matches raw segments and decodes each
// parameter after matching) and the decoded query, headers and body. Used by the server's
// sessions, and by the request-pipeline fuzz target (fuzz/request), so both run the same code.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice {

// nullopt when the target is not an origin-form path with well-formed percent escapes (the
// caller answers 400). remoteAddress and scheme are left for the caller (trusted proxies).
std::optional<http::Request> requestFromWire(boost::beast::http::request<boost::beast::http::string_body>&& message);

}  // namespace boxoffice
