#pragma once
// Conditional requests (RFC 9110 §13): the one ETag format and the one reading of If-Match and
// If-None-Match every module uses.
//
// - An ETag is the resource's version as a strong entity-tag: version 3 is "\"3\"". What has no
//   version (a list page) is tagged by its content instead (etagOfContent).
// - If-Match uses the strong comparison: `"3"` matches version 3, `W/"3"` never matches
//   anything (a weak tag cannot guard a write). `*` matches any existing resource. A list
//   (`"2", "3"`) matches if any member does. If any member is not an entity-tag the whole
//   If-Match matches nothing (`x, "3"` is a 412), never a silent pass.
// - If-None-Match uses the weak comparison (`W/"3"` and `"3"` both match version 3), `*` and
//   lists the same way; on GET/HEAD a match is answered 304 Not Modified.
// - An update that requires If-Match answers 428 without one; a mismatch is 412 carrying the
//   current ETag, so the client can fetch or retry knowingly.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice {

std::string etagOf(std::int64_t version);  // "\"3\""
// A strong ETag for a representation that has no version of its own (a page of a list): the
// first 128 bits of the SHA-256 of its bytes, as hex in quotes. Equal bodies get equal tags,
// also across restarts, so a client's If-None-Match stays valid as long as the bytes are.
std::string etagOfContent(std::string_view body);

struct EntityTag {
  bool weak = false;
  std::string opaque;  // with its quotes: "\"3\""
};

// The value of If-Match or If-None-Match: `*`, or a comma-separated list of entity-tags.
struct EntityTagList {
  bool any = false;
  std::vector<EntityTag> tags;  // the well-formed members; malformed ones are dropped
  bool malformed = false;       // some member was not an entity-tag

  static EntityTagList parse(std::string_view text);
  // Does the list match the current strong ETag `etag` ("\"3\"")?
  bool matchesStrongly(std::string_view etag) const;
  bool matchesWeakly(std::string_view etag) const;
};

class IfMatch {
 public:
  // nullopt if the request has no If-Match.
  static std::optional<IfMatch> from(const http::Request& request);
  // 428 (with `detail`) if the request has no If-Match.
  static IfMatch required(const http::Request& request,
                          std::string detail = "This update requires an If-Match header.");
  static std::optional<IfMatch> parse(const std::optional<std::string>& header);
  static IfMatch any() { return IfMatch(EntityTagList{true, {}, false}); }

  bool matches(std::string_view etag) const { return tags_.matchesStrongly(etag); }
  bool matches(std::int64_t version) const { return matches(etagOf(version)); }

 private:
  explicit IfMatch(EntityTagList tags) : tags_(std::move(tags)) {}
  EntityTagList tags_;
};

// Throws 412 when `ifMatch` is present and does not match `currentVersion`. The problem names
// `what` changed ("event") and carries the current ETag.
void checkIfMatch(const std::optional<IfMatch>& ifMatch, std::int64_t currentVersion, std::string_view what);

// For GET/HEAD: true if If-None-Match matches `etag` (weak comparison), so the answer is 304.
bool notModified(const http::Request& request, std::string_view etag);
// 304 with the ETag, as a handler returns it.
http::Response notModifiedResponse(std::string_view etag);

}  // namespace boxoffice
