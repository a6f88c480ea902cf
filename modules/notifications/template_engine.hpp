#pragma once
// A template's text compiled once into literal and placeholder segments, so a render is one
// pass that never looks at a value's content again: a value holding "{{x}}" is written as is
// (no second expansion). Compiling checks every placeholder against the type's variables, which
// is how a bad template is refused when saved, never discovered at send time.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue.hpp"
#include "formats.hpp"
#include "model.hpp"

namespace boxoffice::notifications {

struct Segment {
  std::string text;  // the literal, or the variable's name
  bool variable = false;
};

struct CompiledText {
  std::vector<Segment> segments;
  bool empty() const { return segments.empty(); }
};

// What is wrong with a template text, for a 400 `errors` entry.
struct TemplateError {
  std::string message;
};

inline constexpr std::size_t kMaxErrorsPerText = 10;

// Compiles `text` for `type`; appends one error per malformed or unknown placeholder, at most
// kMaxErrorsPerText (then one "more errors" entry).
CompiledText compileText(std::string_view text, const NotificationTypeSpec& type, std::vector<TemplateError>& errors);

// The variables of one render, each formatted at most once however many parts name it.
class FormattedValues {
 public:
  FormattedValues(const Variables& variables, const Formats& formats) : variables_(variables), formats_(formats) {}
  // nullptr when the caller did not supply `name`.
  const std::string* find(const std::string& name);

 private:
  const Variables& variables_;
  const Formats& formats_;
  std::map<std::string_view, std::string> done_;
};

// Writes `text` with the values; `html` escapes every value. A variable the caller did not
// supply is written as nothing (the catalogue guarantees the name is valid).
void renderText(std::string& out, const CompiledText& text, FormattedValues& values, bool html);
void renderText(std::string& out, const CompiledText& text, const Variables& variables, const Formats& formats,
                bool html);

// One template set as stored and as shown on the admin routes.
struct VariantSource {
  std::string id;
  int weight = 0;
  std::optional<std::string> subject, text, html;
};

struct TemplateSource {
  std::string subject, text, html;
  std::vector<VariantSource> variants;
};

struct CompiledVariant {
  std::string id;
  int weight = 0;
  std::optional<CompiledText> subject, text, html;
};

struct CompiledTemplate {
  TemplateSource source;
  CompiledText subject, text, html;
  std::vector<CompiledVariant> variants;
};

// Compiles a whole set (parts and variants); errors name their field ("subject",
// "variants[1].html").
struct FieldMessage {
  std::string field;
  std::string message;
};
CompiledTemplate compileTemplate(TemplateSource source, const NotificationTypeSpec& type,
                                 std::vector<FieldMessage>& errors);

// The variant for this reader: a stable hash (FNV-1a 64) of userId and type, modulo 100, walked
// over the weights in order. nullptr when the template has no variants.
const CompiledVariant* chooseVariant(const CompiledTemplate& compiled, std::string_view userId, std::string_view type);
std::uint64_t stableHash(std::string_view userId, std::string_view type);

}  // namespace boxoffice::notifications
