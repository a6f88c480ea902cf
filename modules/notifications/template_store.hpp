#pragma once
// The templates in force: the shipped files (embedded at build time) overridden by what an Admin
// saved in notifications.db. Overrides are loaded once and kept in memory under a shared_mutex:
// renders (inbox worker threads) read concurrently, a save or reset writes the database first
// and swaps the in-memory entry after COMMIT.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "boxoffice/kernel/preconditions.hpp"
#include "model.hpp"
#include "template_engine.hpp"

namespace boxoffice {
class Database;
class Clock;
}  // namespace boxoffice

namespace boxoffice::notifications {

inline constexpr std::string_view kTemplateLanguages[] = {"en", "de"};
bool isTemplateLanguage(std::string_view language);

struct TemplateEntry {
  std::shared_ptr<const CompiledTemplate> shipped;     // null: no shipped file for it
  std::shared_ptr<const CompiledTemplate> overridden;  // null: the shipped one is in force
  std::int64_t version = 0;                            // 0: never overridden
  std::int64_t updatedAtMillis = 0;
  std::string updatedBy;
  const CompiledTemplate* inForce() const { return overridden ? overridden.get() : shipped.get(); }
};

// Parses the shipped files: "<language>/<Type>.tmpl", sections headed "--- <channel>.<part>"
// (part: subject, text or html). Throws std::logic_error on a file that does not compile: the
// build ships only valid templates (a unit test renders every one).
std::map<std::string, std::shared_ptr<const CompiledTemplate>, std::less<>> loadShippedTemplates();

class TemplateStore {
 public:
  TemplateStore(Database& db, const Clock& clock);

  TemplateEntry get(std::string_view type, Channel channel, std::string_view language) const;
  // The template to render, or null. Never falls back between languages (the caller does).
  std::shared_ptr<const CompiledTemplate> inForce(std::string_view type, Channel channel,
                                                  std::string_view language) const;

  // Saves an override. 412 when `ifMatch` does not match the current version.
  TemplateEntry save(std::string_view type, Channel channel, std::string_view language, CompiledTemplate compiled,
                     const IfMatch& ifMatch, const std::string& updatedBy);
  // Returns to the shipped file (the version still counts up).
  TemplateEntry reset(std::string_view type, Channel channel, std::string_view language, const IfMatch& ifMatch,
                      const std::string& updatedBy);

 private:
  struct Override {
    std::shared_ptr<const CompiledTemplate> compiled;  // null after a reset
    std::int64_t version = 0;
    std::int64_t updatedAtMillis = 0;
    std::string updatedBy;
  };
  TemplateEntry entryOf(const std::string& key) const;  // caller holds mutex_

  Database& db_;
  const Clock& clock_;
  const std::map<std::string, std::shared_ptr<const CompiledTemplate>, std::less<>> shipped_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Override, std::less<>> overrides_;
};

std::string templateKey(std::string_view type, Channel channel, std::string_view language);

// JSON text of variants as stored, and back.
std::string variantsToJson(const std::vector<VariantSource>& variants);
std::vector<VariantSource> variantsFromJson(std::string_view json);

}  // namespace boxoffice::notifications
