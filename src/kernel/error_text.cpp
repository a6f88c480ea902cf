#include "boxoffice/kernel/error_text.hpp"

#include <soci/soci.h>

namespace boxoffice {

std::string errorText(const std::exception& error) {
  if (const auto* database = dynamic_cast<const soci::soci_error*>(&error)) {
    return "database error: " + database->get_error_message();
  }
  return error.what();
}

}  // namespace boxoffice
