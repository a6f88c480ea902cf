#pragma once
// Server-push channels built from a connection the HTTP session hands over (kernel-private).
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <functional>
#include <memory>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice::push {

using OnOpen = std::function<void(std::shared_ptr<http::PushChannel>)>;

// Writes a 200 text/event-stream header (with `headers`), then each message as one SSE event.
// A comment line every 15 s keeps proxies from closing the stream.
std::shared_ptr<http::PushChannel> openServerSentEvents(boost::beast::tcp_stream stream, const http::Headers& headers,
                                                        const OnOpen& onOpen);
std::shared_ptr<http::PushChannel> openServerSentEvents(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                                                        const http::Headers& headers, const OnOpen& onOpen);
// Completes the WebSocket handshake for `upgrade`, then sends each message as one text frame.
std::shared_ptr<http::PushChannel> openWebSocket(boost::beast::tcp_stream stream,
                                                 boost::beast::http::request<boost::beast::http::string_body> upgrade,
                                                 const http::Headers& headers, const OnOpen& onOpen);
std::shared_ptr<http::PushChannel> openWebSocket(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                                                 boost::beast::http::request<boost::beast::http::string_body> upgrade,
                                                 const http::Headers& headers, const OnOpen& onOpen);

}  // namespace boxoffice::push
