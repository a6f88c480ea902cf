// Configuration from outside (kernel/config.hpp): a config file's text and environment values.
// The first byte picks which; a bad file or value must be refused with a ConfigError naming the
// key or the source (the binary prints it and stops); any other exception or a crash is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/config.hpp"

namespace {

const boxoffice::ConfigSchema& schema() {
  static const boxoffice::ConfigSchema instance = [] {
    boxoffice::ConfigSchema s;
    s.add(boxoffice::kernelConfigKeys());
    return s;
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  boxoffice::Config config(schema());
  try {
    if ((data[0] & 1) == 0) {
      config.mergeJsonText(rest, "fuzz.json");
    } else {
      // "KEY=value" lines, as the environment would give them.
      std::string text(rest);
      std::vector<std::string> lines;
      std::size_t start = 0;
      while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
      }
      std::vector<char*> entries;
      for (auto& line : lines) entries.push_back(line.data());
      entries.push_back(nullptr);
      config.mergeEnvironment(entries.data());
    }
    (void)config.describe();
  } catch (const boxoffice::ConfigError&) {
    // refused, naming the key or the source: what the binary prints before it stops
  }
  return 0;
}
