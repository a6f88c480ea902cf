#pragma once
// HTML escaping of untrusted text (names, event titles) for every page or email body the binary
// writes: & < > " ' become entities, so text can go in element content and quoted attributes.
#include <string>
#include <string_view>

namespace boxoffice {

void appendHtmlEscaped(std::string& out, std::string_view text);
std::string htmlEscape(std::string_view text);

}  // namespace boxoffice
