#include "boxoffice/kernel/message_json.hpp"

#include <stdexcept>

namespace boxoffice::message_json {

std::string Path::render() const {
  std::string parentText = parent ? parent->render() : std::string();
  if (key.empty()) return parentText + "[" + std::to_string(index) + "]";
  return parentText.empty() ? std::string(key) : parentText + "." + std::string(key);
}

void fail(const Path& path, std::string_view problem) {
  throw std::invalid_argument("message field '" + path.render() + "' " + std::string(problem));
}

}  // namespace boxoffice::message_json
