// Notification templates (modules/notifications/template_engine.hpp): an Admin's override is
// outside input, compiled when saved. Any text either compiles or is refused with errors (at
// most kMaxErrorsPerText and one "more"); what compiles renders, as HTML and as text, with
// every variable of its type filled by a hostile value that must come out escaped in HTML.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "catalogue.hpp"
#include "formats.hpp"
#include "template_engine.hpp"

namespace bn = boxoffice::notifications;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // ICU's date patterns are looked up once per process.
  static const bn::DatePatterns patterns;
  static const bn::Formats formats(patterns, "de", "Europe/Berlin");
  auto types = bn::notificationTypes();
  const auto& type = types[data[0] % types.size()];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<bn::TemplateError> errors;
  auto compiled = bn::compileText(text, type, errors);
  if (errors.size() > bn::kMaxErrorsPerText + 1) std::abort();
  if (!errors.empty()) return 0;
  bn::Variables variables;
  constexpr std::string_view kHostile = "<b>\"&'";
  for (const auto& variable : type.variables) variables.emplace(std::string(variable.name), std::string(kHostile));
  std::string html;
  bn::renderText(html, compiled, variables, formats, true);
  // The template's own markup may hold the same characters; a value must add none of them raw.
  auto count = [&](std::string_view in) {
    std::size_t n = 0;
    for (auto at = in.find(kHostile); at != std::string_view::npos; at = in.find(kHostile, at + 1)) ++n;
    return n;
  };
  if (count(html) > count(text)) std::abort();  // a value went out unescaped
  std::string plain;
  bn::renderText(plain, compiled, variables, formats, false);
  return 0;
}
