// The API reference as one HTML page rendered from the OpenAPI document: no script, no external
// resource, so it works offline and under a strict Content-Security-Policy (the one style block
// is allowed by its hash, see api_reference_routes.cpp).
#include <algorithm>
#include <boost/json.hpp>

#include "boxoffice/kernel/api_reference.hpp"
#include "boxoffice/kernel/html.hpp"

namespace boxoffice {

namespace {

namespace json = boost::json;

void indent(std::string& out, int depth) { out.append(static_cast<std::size_t>(depth) * 2, ' '); }

// Pretty JSON as escaped HTML; "$ref" values link to the schema's section of the page.
void appendPretty(std::string& out, const json::value& value, int depth) {
  switch (value.kind()) {
    case json::kind::object: {
      const auto& object = value.as_object();
      if (object.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      std::size_t left = object.size();
      for (const auto& [key, member] : object) {
        indent(out, depth + 1);
        appendHtmlEscaped(out, json::serialize(json::value(key)));
        out += ": ";
        constexpr std::string_view kPrefix = "#/components/schemas/";
        if (key == "$ref" && member.is_string() && member.as_string().starts_with(kPrefix)) {
          std::string_view name(member.as_string());
          name.remove_prefix(kPrefix.size());
          out += "<a href=\"#schema-";
          appendHtmlEscaped(out, name);
          out += "\">";
          appendHtmlEscaped(out, json::serialize(member));
          out += "</a>";
        } else {
          appendPretty(out, member, depth + 1);
        }
        out += --left > 0 ? ",\n" : "\n";
      }
      indent(out, depth);
      out += "}";
      return;
    }
    case json::kind::array: {
      const auto& array = value.as_array();
      // Short arrays of scalars (enums, required lists) stay on one line.
      bool flat = std::all_of(array.begin(), array.end(), [](const json::value& v) { return !v.is_structured(); });
      if (flat) {
        appendHtmlEscaped(out, json::serialize(value));
        return;
      }
      out += "[\n";
      for (std::size_t i = 0; i < array.size(); ++i) {
        indent(out, depth + 1);
        appendPretty(out, array[i], depth + 1);
        out += i + 1 < array.size() ? ",\n" : "\n";
      }
      indent(out, depth);
      out += "]";
      return;
    }
    default:
      appendHtmlEscaped(out, json::serialize(value));
  }
}

void appendSchemaBlock(std::string& out, const json::value& schema) {
  out += "<pre>";
  appendPretty(out, schema, 0);
  out += "</pre>\n";
}

void appendText(std::string& out, std::string_view tag, std::string_view text) {
  out += "<";
  out += tag;
  out += ">";
  appendHtmlEscaped(out, text);
  out += "</";
  out += tag;
  out += ">\n";
}

std::string textOf(const json::object& object, std::string_view key) {
  const auto* found = object.if_contains(key);
  return found != nullptr && found->is_string() ? std::string(found->as_string()) : "";
}

void appendOperation(std::string& out, std::string_view method, std::string_view path, const json::object& op) {
  out += R"(<section class="op"><h3><span class="m )";
  out += method;
  out += "\">";
  appendHtmlEscaped(out, method);
  out += "</span> <code>";
  appendHtmlEscaped(out, path);
  out += "</code> ";
  appendHtmlEscaped(out, textOf(op, "summary"));
  out += "</h3>\n";
  if (auto description = textOf(op, "description"); !description.empty()) appendText(out, "p", description);
  const auto& security = op.at("security").as_array();
  std::string who = security.empty()              ? "Anyone, no token."
                    : security.size() == 2        ? "Anyone; a token, if sent, must be valid."
                    : op.contains("x-permission") ? "Bearer token with permission " + textOf(op, "x-permission") + "."
                                                  : "Bearer token.";
  appendText(out, "p", who);
  if (const auto* list = op.if_contains("parameters")) {
    out += "<table><tr><th>Parameter</th><th>In</th><th>Schema</th><th>Description</th></tr>\n";
    for (const auto& item : list->as_array()) {
      const auto& parameter = item.as_object();
      out += "<tr><td><code>";
      appendHtmlEscaped(out, textOf(parameter, "name"));
      out += parameter.contains("required") ? "</code> *" : "</code>";
      out += "</td><td>";
      appendHtmlEscaped(out, textOf(parameter, "in"));
      out += "</td><td><code>";
      appendHtmlEscaped(out, json::serialize(parameter.at("schema")));
      out += "</code></td><td>";
      appendHtmlEscaped(out, textOf(parameter, "description"));
      out += "</td></tr>\n";
    }
    out += "</table>\n";
  }
  if (const auto* body = op.if_contains("requestBody")) {
    out += "<h4>Request body (application/json)</h4>\n";
    appendSchemaBlock(out, body->at_pointer("/content/application~1json/schema"));
  }
  for (const auto& [status, response] : op.at("responses").as_object()) {
    out += "<h4>";
    appendHtmlEscaped(out, status);
    out += " — ";
    appendHtmlEscaped(out, textOf(response.as_object(), "description"));
    out += "</h4>\n";
    if (const auto* content = response.as_object().if_contains("content")) {
      for (const auto& [type, media] : content->as_object()) {
        if (const auto* schema = media.as_object().if_contains("schema"); schema && status != "default") {
          appendSchemaBlock(out, *schema);
        } else if (status != "default") {
          out += "<p><code>";
          appendHtmlEscaped(out, type);
          out += "</code></p>\n";
        }
      }
    }
  }
  if (const auto* types = op.if_contains("x-problem-types")) {
    out += "<p>Problem types: ";
    bool first = true;
    for (const auto& type : types->as_array()) {
      if (!first) out += ", ";
      first = false;
      out += "<code>";
      appendHtmlEscaped(out, type.as_string());
      out += "</code>";
    }
    out += "</p>\n";
  }
  out += "</section>\n";
}

}  // namespace

std::string apiReferencePage(const json::object& document) {
  std::string out = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>boxoffice API reference</title>
<style>)";
  out += apiReferenceStyle();
  out += R"(</style></head><body>
<h1>boxoffice API reference</h1>
<p>Version )";
  appendHtmlEscaped(out, textOf(document.at("info").as_object(), "version"));
  out += R"(. The same document as JSON: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
)";
  const auto& paths = document.at("paths").as_object();
  for (const auto& tag : document.at("tags").as_array()) {
    auto name = textOf(tag.as_object(), "name");
    out += "<h2 id=\"tag-";
    appendHtmlEscaped(out, name);
    out += "\">";
    appendHtmlEscaped(out, name);
    out += "</h2>\n";
    for (const auto& [path, item] : paths) {
      for (const auto& [method, op] : item.as_object()) {
        const auto& tags = op.as_object().at("tags").as_array();
        if (!tags.empty() && tags.front().as_string() == name) appendOperation(out, method, path, op.as_object());
      }
    }
  }
  out += "<h2 id=\"schemas\">Schemas</h2>\n";
  for (const auto& [name, schema] : document.at("components").at("schemas").as_object()) {
    out += R"(<section class="op" id="schema-)";
    appendHtmlEscaped(out, name);
    out += "\"><h3>";
    appendHtmlEscaped(out, name);
    out += "</h3>\n";
    appendSchemaBlock(out, schema);
    out += "</section>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace boxoffice
