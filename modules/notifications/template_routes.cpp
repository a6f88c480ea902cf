#include "template_routes.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include "api_schemas.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/preconditions.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "boxoffice/kernel/time.hpp"
#include "catalogue.hpp"
#include "template_store.hpp"

namespace boxoffice::notifications {

namespace {

using http::Method;
using http::Request;
using http::Response;

constexpr std::size_t kMaxPartBytes = std::size_t{64} * 1024;  // per subject/text/html, variants' too
constexpr std::size_t kMaxSubjectBytes = 1000;
constexpr std::size_t kMaxVariants = 10;
constexpr std::size_t kMaxVariantId = 32;

constexpr Channel kChannels[] = {Channel::Email, Channel::Sms, Channel::Push, Channel::InApp};

bool hasSubject(Channel channel) { return channel != Channel::Sms; }
bool hasHtml(Channel channel) { return channel == Channel::Email; }

struct Address {
  const NotificationTypeSpec* type;
  Channel channel;
  std::string language;
};

// Unknown path parts are 404s: the resource does not exist (as for an unknown id).
Address addressOf(const Request& request) {
  const auto& typeName = request.param("type");
  const auto* type = findNotificationType(typeName);
  if (type == nullptr) throw Problem::notFound("No notification type '" + typeName + "' exists.");
  auto channel = parseChannel(request.param("channel"));
  if (!channel) {
    throw Problem::notFound("No channel '" + request.param("channel") + "': channels are email, sms, push, inApp.");
  }
  const auto& language = request.param("language");
  if (!isTemplateLanguage(language)) {
    throw Problem::notFound("No templates in language '" + language + "': languages are en, de.");
  }
  return {type, *channel, language};
}

boost::json::value optionalText(const std::optional<std::string>& text) {
  return text ? boost::json::value(*text) : boost::json::value(nullptr);
}

// Described in api_schemas.cpp (NotificationTemplate; the list's items: NotificationTemplateSummary):
// a member added here is added there too.
boost::json::object templateJson(const Address& at, const TemplateEntry& entry) {
  const auto* inForce = entry.inForce();
  boost::json::object out{{"type", at.type->type},
                          {"channel", toString(at.channel)},
                          {"language", at.language},
                          {"category", toString(at.type->category)},
                          {"source", entry.overridden ? "override" : "shipped"},
                          {"version", entry.version}};
  const TemplateSource empty;
  const auto& source = inForce != nullptr ? inForce->source : empty;
  out["subject"] = hasSubject(at.channel) ? boost::json::value(source.subject) : boost::json::value(nullptr);
  out["text"] = source.text;
  out["html"] = hasHtml(at.channel) ? boost::json::value(source.html) : boost::json::value(nullptr);
  boost::json::array variants;
  for (const auto& v : source.variants) {
    variants.push_back(boost::json::object{{"id", v.id},
                                           {"weight", v.weight},
                                           {"subject", optionalText(v.subject)},
                                           {"text", optionalText(v.text)},
                                           {"html", optionalText(v.html)}});
  }
  out["variants"] = std::move(variants);
  boost::json::array variables;
  for (const auto& v : at.type->variables) variables.push_back(boost::json::string(v.name));
  out["variables"] = std::move(variables);
  out["updatedAt"] = entry.version == 0 ? boost::json::value(nullptr)
                                        : boost::json::value(formatRfc3339(fromUnixMillis(entry.updatedAtMillis)));
  out["updatedBy"] = entry.version == 0 ? boost::json::value(nullptr) : boost::json::value(entry.updatedBy);
  return out;
}

Response withEtag(Response response, std::int64_t version) {
  response.headers["ETag"] = etagOf(version);
  return response;
}

// A part of the body: required where the channel has it, refused where it does not.
std::string readPart(json::ObjectReader& in, std::string_view key, bool channelHasIt, std::size_t maxBytes,
                     std::string_view channel) {
  if (!channelHasIt) {
    // Read even when absent or null, so rejectUnknown does not report it: null is allowed (the GET
    // shape), any string refused.
    auto value = in.optionalString(key, 0, kMaxPartBytes);
    if (value)
      in.validation().add(in.field(key), "the " + std::string(channel) + " channel has no " + std::string(key));
    return {};
  }
  return in.requiredString(key, 1, maxBytes);
}

std::optional<std::string> readVariantPart(json::ObjectReader& in, std::string_view key, bool channelHasIt,
                                           std::size_t maxBytes, std::string_view channel) {
  // Absent and null are the same (a variant as GET shows it has null parts); read either way, so
  // rejectUnknown does not report a null one.
  auto value = in.optionalString(key, 1, maxBytes);
  if (value && !channelHasIt) {
    in.validation().add(in.field(key), "the " + std::string(channel) + " channel has no " + std::string(key));
    return std::nullopt;
  }
  return value;
}

bool validVariantId(const std::string& id) {
  if (id.empty() || id.size() > kMaxVariantId) return false;
  return std::ranges::all_of(id, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

TemplateSource readSource(const Request& request, Channel channel) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto channelName = toString(channel);
  TemplateSource source;
  source.subject = readPart(in, "subject", hasSubject(channel), kMaxSubjectBytes, channelName);
  source.text = in.requiredString("text", 1, kMaxPartBytes);
  source.html = readPart(in, "html", hasHtml(channel), kMaxPartBytes, channelName);
  if (const auto* variants = in.optionalArray("variants", kMaxVariants)) {
    int total = 0;
    std::set<std::string> ids;
    for (std::size_t i = 0; i < variants->size(); ++i) {
      auto path = "variants[" + std::to_string(i) + "]";
      if (!(*variants)[i].is_object()) {
        validation.add(path, "must be an object");
        continue;
      }
      json::ObjectReader v((*variants)[i].get_object(), validation, path);
      VariantSource variant;
      variant.id = v.requiredString("id", 1, kMaxVariantId);
      if (!variant.id.empty() && !validVariantId(variant.id)) {
        validation.add(v.field("id"), "letters, digits, - and _ only");
      } else if (!variant.id.empty() && !ids.insert(variant.id).second) {
        validation.add(v.field("id"), "'" + variant.id + "' is used twice");
      }
      variant.weight = static_cast<int>(v.requiredInt("weight", 0, 100));
      total += variant.weight;
      variant.subject = readVariantPart(v, "subject", hasSubject(channel), kMaxSubjectBytes, channelName);
      variant.text = readVariantPart(v, "text", true, kMaxPartBytes, channelName);
      variant.html = readVariantPart(v, "html", hasHtml(channel), kMaxPartBytes, channelName);
      v.rejectUnknown();
      source.variants.push_back(std::move(variant));
    }
    if (!variants->empty() && total != 100) {
      validation.add("variants", "the weights add up to " + std::to_string(total) + ", not 100");
    }
  }
  in.rejectUnknown();
  validation.throwIfAny();
  return source;
}

std::string caller(const RequestContext& context) { return context.principal ? context.principal->userId : ""; }

}  // namespace

void TemplateRoutes::registerRoutes(Router& router) {
  namespace api = openapi;
  api_schemas::defineSchemas(router.schemas());
  auto admin = Access::require(auth::Permission::NotificationsSend);
  router.add(Method::Get, "/api/v1/admin/templates", "notifications", admin, bindRoute(this, &TemplateRoutes::list))
      .describe({.summary = "Every notification template",
                 .description = "Each type for each channel and language (en, de), overridden or shipped.",
                 .responses = {{200, "The templates",
                                api::object({{"items", api::arrayOf(api::ref("NotificationTemplateSummary"))}})}}});
  const std::string one = "/api/v1/admin/templates/{type}/{channel}/{language}";
  // An unknown part of the path is a 404 (addressOf above).
  const std::vector<api::Parameter> address{{"type", api_schemas::notificationType(), "The notification type."},
                                            {"channel", api_schemas::channel(), {}},
                                            {"language", api_schemas::templateLanguage(), {}}};
  auto ifMatch = api::ifMatchHeader(true);
  router.add(Method::Get, one, "notifications", admin, bindRoute(this, &TemplateRoutes::get))
      .describe({.summary = "One notification template, the one in force",
                 .description = "The override if there is one, else the shipped file. The ETag is its version "
                                "(\"0\" for a template never overridden); If-None-Match answers 304.",
                 .path = address,
                 .headers = {{"If-None-Match", api::string(), "An ETag read before: 304 while it still matches."}},
                 .responses = {{200, "The template, with its ETag", api::ref("NotificationTemplate")},
                               {304, "Not modified since the ETag in If-None-Match"}},
                 .problems = {"not-found"}});
  router.add(Method::Put, one, "notifications", admin, bindRoute(this, &TemplateRoutes::put))
      .describe({.summary = "Override a notification template",
                 .description = "Used by the next notification, no restart. Every placeholder must name a "
                                "variable of the type; every error is named per field and nothing is saved. "
                                "If-Match \"0\" overrides a template never overridden.",
                 .path = address,
                 .headers = {ifMatch},
                 .body = api_schemas::templateBody(),
                 .responses = {{200, "Saved, with the new ETag", api::ref("NotificationTemplate")}},
                 .problems = {"not-found", "validation", "bad-request", "unsupported-media-type",
                              "precondition-required", "precondition-failed"}});
  router.add(Method::Delete, one, "notifications", admin, bindRoute(this, &TemplateRoutes::remove))
      .describe(
          {.summary = "Reset a notification template to the shipped file",
           .description = "Drops the override (the version still counts up, so older ETags never match "
                          "again); a template never overridden is answered unchanged.",
           .path = address,
           .headers = {ifMatch},
           .responses = {{200, "The shipped template now in force, with its ETag", api::ref("NotificationTemplate")}},
           .problems = {"not-found", "precondition-required", "precondition-failed"}});
}

Response TemplateRoutes::list(const Request& /*request*/, RequestContext& /*context*/) {
  boost::json::array items;
  for (const auto& type : notificationTypes()) {
    for (auto channel : kChannels) {
      for (auto language : kTemplateLanguages) {
        auto entry = store_.get(type.type, channel, language);
        if (entry.inForce() == nullptr) continue;
        items.push_back(boost::json::object{
            {"type", type.type},
            {"channel", toString(channel)},
            {"language", language},
            {"category", toString(type.category)},
            {"source", entry.overridden ? "override" : "shipped"},
            {"variants", entry.inForce()->source.variants.size()},
            {"version", entry.version},
            {"updatedAt", entry.version == 0
                              ? boost::json::value(nullptr)
                              : boost::json::value(formatRfc3339(fromUnixMillis(entry.updatedAtMillis)))}});
      }
    }
  }
  return Response::json(200, json::serialize(boost::json::object{{"items", std::move(items)}}));
}

Response TemplateRoutes::get(const Request& request, RequestContext& /*context*/) {
  auto at = addressOf(request);
  auto entry = store_.get(at.type->type, at.channel, at.language);
  if (entry.inForce() == nullptr) throw Problem::notFound("No template for this type, channel and language.");
  auto etag = etagOf(entry.version);
  if (notModified(request, etag)) return notModifiedResponse(etag);
  return withEtag(Response::json(200, json::serialize(templateJson(at, entry))), entry.version);
}

Response TemplateRoutes::put(const Request& request, RequestContext& context) {
  auto at = addressOf(request);
  auto ifMatch =
      IfMatch::required(request, "Saving a template requires If-Match with its ETag (\"0\" for the shipped file).");
  auto source = readSource(request, at.channel);
  std::vector<FieldMessage> errors;
  auto compiled = compileTemplate(std::move(source), *at.type, errors);
  if (!errors.empty()) {
    std::vector<FieldError> fields;
    fields.reserve(errors.size());
    for (auto& e : errors) fields.push_back({e.field, e.message});
    throw Problem::validation(std::move(fields));
  }
  auto entry = store_.save(at.type->type, at.channel, at.language, std::move(compiled), ifMatch, caller(context));
  return withEtag(Response::json(200, json::serialize(templateJson(at, entry))), entry.version);
}

Response TemplateRoutes::remove(const Request& request, RequestContext& context) {
  auto at = addressOf(request);
  auto ifMatch = IfMatch::required(request, "Resetting a template requires If-Match with its ETag.");
  auto entry = store_.reset(at.type->type, at.channel, at.language, ifMatch, caller(context));
  return withEtag(Response::json(200, json::serialize(templateJson(at, entry))), entry.version);
}

}  // namespace boxoffice::notifications
