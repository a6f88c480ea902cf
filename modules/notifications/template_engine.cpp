#include "template_engine.hpp"

#include <algorithm>

namespace boxoffice::notifications {

namespace {

bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9') || c == '_'; }

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool hasVariable(const NotificationTypeSpec& type, std::string_view name) {
  return std::any_of(type.variables.begin(), type.variables.end(), [&](const auto& v) { return v.name == name; });
}

void appendLiteral(CompiledText& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.segments.empty() && !out.segments.back().variable) {
    out.segments.back().text += text;
  } else {
    out.segments.push_back({std::string(text), false});
  }
}

}  // namespace

CompiledText compileText(std::string_view text, const NotificationTypeSpec& type, std::vector<TemplateError>& errors) {
  CompiledText out;
  // A text made of nothing but bad placeholders must not buy an answer many times its size.
  const std::size_t errorLimit = errors.size() + kMaxErrorsPerText;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (errors.size() >= errorLimit) {
      errors.push_back({"has more errors: only the first " + std::to_string(kMaxErrorsPerText) + " are listed"});
      break;
    }
    auto open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      appendLiteral(out, text.substr(pos));
      break;
    }
    appendLiteral(out, text.substr(pos, open - pos));
    auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      errors.push_back({"has an unclosed placeholder at offset " + std::to_string(open)});
      break;
    }
    auto inner = text.substr(open + 2, close - open - 2);
    auto name = trimSpaces(inner);
    bool wellFormed = !name.empty() && isNameStart(name.front()) && std::all_of(name.begin(), name.end(), isNameChar) &&
                      name.size() <= 64;
    if (!wellFormed) {
      errors.push_back({"has a malformed placeholder {{" + std::string(inner.substr(0, 64)) +
                        "}}: a placeholder is "
                        "{{name}} with a letter, then letters, digits or _"});
    } else if (!hasVariable(type, name)) {
      errors.push_back({"names the unknown variable {{" + std::string(name) + "}}: " + std::string(type.type) +
                        " has no variable '" + std::string(name) + "'"});
    } else {
      out.segments.push_back({std::string(name), true});
    }
    pos = close + 2;
  }
  return out;
}

const std::string* FormattedValues::find(const std::string& name) {
  auto variable = variables_.find(name);
  if (variable == variables_.end()) return nullptr;
  auto done = done_.find(variable->first);
  if (done == done_.end()) done = done_.emplace(variable->first, formats_.value(variable->second)).first;
  return &done->second;
}

void renderText(std::string& out, const CompiledText& text, FormattedValues& values, bool html) {
  for (const auto& segment : text.segments) {
    if (!segment.variable) {
      out += segment.text;
      continue;
    }
    const auto* value = values.find(segment.text);
    if (value == nullptr) continue;
    if (html) {
      appendHtmlEscaped(out, *value);
    } else {
      out += *value;
    }
  }
}

void renderText(std::string& out, const CompiledText& text, const Variables& variables, const Formats& formats,
                bool html) {
  FormattedValues values(variables, formats);
  renderText(out, text, values, html);
}

CompiledTemplate compileTemplate(TemplateSource source, const NotificationTypeSpec& type,
                                 std::vector<FieldMessage>& errors) {
  CompiledTemplate out;
  auto compile = [&](const std::string& text, const std::string& field) {
    std::vector<TemplateError> found;
    auto compiled = compileText(text, type, found);
    for (auto& e : found) errors.push_back({field, std::move(e.message)});
    return compiled;
  };
  out.subject = compile(source.subject, "subject");
  out.text = compile(source.text, "text");
  out.html = compile(source.html, "html");
  for (std::size_t i = 0; i < source.variants.size(); ++i) {
    const auto& v = source.variants[i];
    auto prefix = "variants[" + std::to_string(i) + "].";
    CompiledVariant compiled{v.id, v.weight, {}, {}, {}};
    if (v.subject) compiled.subject = compile(*v.subject, prefix + "subject");
    if (v.text) compiled.text = compile(*v.text, prefix + "text");
    if (v.html) compiled.html = compile(*v.html, prefix + "html");
    out.variants.push_back(std::move(compiled));
  }
  out.source = std::move(source);
  return out;
}

std::uint64_t stableHash(std::string_view userId, std::string_view type) {
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
  };
  mix(userId);
  mix(std::string_view("\0", 1));  // "ab"+"c" and "a"+"bc" differ
  mix(type);
  return hash;
}

const CompiledVariant* chooseVariant(const CompiledTemplate& compiled, std::string_view userId, std::string_view type) {
  if (compiled.variants.empty()) return nullptr;
  auto bucket = static_cast<int>(stableHash(userId, type) % 100);
  int upTo = 0;
  for (const auto& variant : compiled.variants) {
    upTo += variant.weight;
    if (bucket < upTo) return &variant;
  }
  return &compiled.variants.back();  // weights sum to 100 when saved; never reached
}

}  // namespace boxoffice::notifications
