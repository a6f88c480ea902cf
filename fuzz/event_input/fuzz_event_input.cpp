// Request bodies through the kernel's JSON reading (json::parseObjectBody: depth and size rules)
// and the events module's field validation (validation.hpp): the body of POST /api/v1/events
// and of POST /api/v1/events/categories. Any body either validates or is refused with a 4xx
// Problem; an exception of any other kind, or a 5xx, is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "validation.hpp"

namespace {

void expectClientError(const boxoffice::Problem& problem) {
  if (problem.status() < 400 || problem.status() >= 500) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Built once per process: the zone check reads /usr/share/zoneinfo.
  static const boxoffice::events::TimezoneCheck zones;
  boxoffice::http::Request request;
  request.method = boxoffice::http::Method::Post;
  request.headers["Content-Type"] = "application/json";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  try {
    auto body = boxoffice::json::parseObjectBody(request);
    try {
      (void)boxoffice::events::parseEventInput(body, zones);
    } catch (const boxoffice::Problem& problem) {
      expectClientError(problem);
    }
    (void)boxoffice::events::parseCategoryInput(body);
  } catch (const boxoffice::Problem& problem) {
    expectClientError(problem);
  }
  return 0;
}
