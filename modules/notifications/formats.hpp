#pragma once
// Writing template values for one reader: money with its currency's exponent in the reader's
// locale, points in time in the reader's time zone and language, integers with the locale's
// grouping, reasons in the reader's words. ICU formatters are not shared between threads: a
// render borrows a whole Formats from the FormatsPool below and gives it back (building one costs
// about 40 µs; the date pattern is looked up once per language, see DatePatterns).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/html.hpp"
#include "model.hpp"

namespace boxoffice::notifications {

// The localized date-time patterns per language, built once (DateTimePatternGenerator is the
// expensive part of ICU date formatting) and read-only afterwards, so shared across threads.
class DatePatterns {
 public:
  DatePatterns();
  ~DatePatterns();
  DatePatterns(const DatePatterns&) = delete;
  DatePatterns& operator=(const DatePatterns&) = delete;
  // The pattern for `language` (en's for a language it was not built for), as UTF-16.
  const std::u16string& pattern(std::string_view language) const;

 private:
  std::u16string en_;
  std::u16string de_;
};

class Formats {
 public:
  // `language`: en | de (anything else is written as en). `zone`: an IANA name; an unknown
  // one is written as UTC (the preferences validate zones; this keeps a send from failing).
  Formats(const DatePatterns& patterns, std::string_view language, std::string_view zone);
  ~Formats();
  Formats(const Formats&) = delete;
  Formats& operator=(const Formats&) = delete;

  // 123450 EUR → en "€1,234.50", de "1.234,50 €"; JPY 1234 → "¥1,234". An unknown currency code
  // is written as the number with two decimals followed by the code.
  std::string money(const Money& money) const;
  std::string dateTime(const DateTime& time) const;
  std::string integer(std::int64_t value) const;
  std::string value(const TemplateValue& value) const;

 private:
  std::string language_;  // en | de
  struct Icu;
  std::unique_ptr<Icu> icu_;
};

// Lends Formats per (language, zone) so a render does not rebuild ICU formatters (about 40 µs
// each); a borrowed one goes back when the Lease ends. Bounded: beyond kMaxKeys distinct keys or
// kMaxIdlePerKey idle instances a returned Formats is dropped.
class FormatsPool {
 public:
  static constexpr std::size_t kMaxKeys = 256;
  static constexpr std::size_t kMaxIdlePerKey = 8;

  explicit FormatsPool(const DatePatterns& patterns) : patterns_(patterns) {}

  class Lease {
   public:
    Lease(FormatsPool& pool, std::string key, std::unique_ptr<Formats> formats)
        : pool_(pool), key_(std::move(key)), formats_(std::move(formats)) {}
    ~Lease() { pool_.giveBack(std::move(key_), std::move(formats_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    const Formats& operator*() const { return *formats_; }

   private:
    FormatsPool& pool_;
    std::string key_;
    std::unique_ptr<Formats> formats_;
  };

  Lease borrow(std::string_view language, std::string_view zone);

 private:
  void giveBack(std::string key, std::unique_ptr<Formats> formats);

  const DatePatterns& patterns_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<Formats>>, std::less<>> idle_;
};

// HTML escaping (appendHtmlEscaped, htmlEscape) is the kernel's: boxoffice/kernel/html.hpp.

}  // namespace boxoffice::notifications
