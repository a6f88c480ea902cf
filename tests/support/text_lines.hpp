#pragma once
// Line-wise checks on text (logs, /metrics). Header-only: kernel unit tests use it too.
#include <sstream>
#include <string>

namespace boxoffice::test_support {

// True if `text` has a line equal to `line`.
inline bool hasLine(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) return true;
  }
  return false;
}

}  // namespace boxoffice::test_support
