// RFC 3339 and date parsing (kernel/time.hpp): whatever the text, no crash and no overflow (the
// 1900-2200 range is enforced before any arithmetic); a time that parses formats back to text
// that parses to the same instant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "boxoffice/kernel/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto parsed = boxoffice::parseRfc3339(text)) {
    auto again = boxoffice::parseRfc3339(boxoffice::formatRfc3339(*parsed));
    if (!again || *again != *parsed) std::abort();
  }
  if (auto date = boxoffice::parseDateOrDateTime(text)) {
    if (!boxoffice::parseRfc3339(boxoffice::formatRfc3339(*date))) std::abort();
  }
  return 0;
}
