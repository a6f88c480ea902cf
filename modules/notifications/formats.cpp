#include "formats.hpp"

#include <map>
#include <stdexcept>
#include <unicode/datefmt.h>
#include <unicode/dtptngen.h>
#include <unicode/locid.h>
#include <unicode/numberformatter.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/ucurr.h>
#include <unicode/unistr.h>

#include "reasons.hpp"

namespace boxoffice::notifications {

namespace {

icu::Locale localeOf(std::string_view language) {
  return language == "de" ? icu::Locale("de", "DE") : icu::Locale("en", "US");
}

// Weekday, day, month in words, year, hour:minute and the zone's short name:
// en "Saturday, March 13, 2027 at 8:00 PM CET", de "Samstag, 13. März 2027 um 20:00 MEZ".
std::u16string buildPattern(const icu::Locale& locale) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::DateTimePatternGenerator> generator(
      icu::DateTimePatternGenerator::createInstance(locale, status));
  if (U_FAILURE(status)) throw std::runtime_error("ICU: no date pattern generator");
  icu::UnicodeString pattern = generator->getBestPattern(icu::UnicodeString(u"yMMMMEEEEdjmmz"), status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU: no date pattern");
  return {pattern.getBuffer(), static_cast<std::size_t>(pattern.length())};
}

std::string utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

DatePatterns::DatePatterns() : en_(buildPattern(localeOf("en"))), de_(buildPattern(localeOf("de"))) {}
DatePatterns::~DatePatterns() = default;

const std::u16string& DatePatterns::pattern(std::string_view language) const { return language == "de" ? de_ : en_; }

struct Formats::Icu {
  icu::Locale locale;
  icu::number::LocalizedNumberFormatter numbers;
  std::unique_ptr<icu::SimpleDateFormat> dates;
  // Building a currency formatter costs tens of microseconds; a pooled Formats keeps them.
  std::map<std::string, icu::number::LocalizedNumberFormatter, std::less<>> currencies;
};

Formats::Formats(const DatePatterns& patterns, std::string_view language, std::string_view zone)
    : language_(language == "de" ? "de" : "en") {
  auto locale = localeOf(language);
  icu_ = std::make_unique<Icu>(Icu{locale, icu::number::NumberFormatter::withLocale(locale), nullptr, {}});
  UErrorCode status = U_ZERO_ERROR;
  const auto& pattern = patterns.pattern(language);
  icu_->dates = std::make_unique<icu::SimpleDateFormat>(
      icu::UnicodeString(pattern.data(), static_cast<int32_t>(pattern.size())), locale, status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU: cannot make a date format");
  auto zoneName = icu::UnicodeString::fromUTF8(icu::StringPiece(zone.data(), static_cast<int32_t>(zone.size())));
  std::unique_ptr<icu::TimeZone> timeZone(icu::TimeZone::createTimeZone(zoneName));
  if (*timeZone == icu::TimeZone::getUnknown()) timeZone.reset(icu::TimeZone::createTimeZone(u"UTC"));
  icu_->dates->adoptTimeZone(timeZone.release());
}

Formats::~Formats() = default;

std::string Formats::money(const Money& money) const {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString code = icu::UnicodeString::fromUTF8(money.currency);
  int32_t digits = 2;
  bool known = money.currency.size() == 3;
  if (known) {
    digits = ucurr_getDefaultFractionDigits(code.getTerminatedBuffer(), &status);
    known = U_SUCCESS(status);
    if (!known) digits = 2;
  }
  // Minor units to an exact decimal string (no floating point): 123450, 2 → "1234.50".
  std::uint64_t magnitude =
      money.amount < 0 ? 0 - static_cast<std::uint64_t>(money.amount) : static_cast<std::uint64_t>(money.amount);
  std::string decimal = std::to_string(magnitude);
  if (digits > 0) {
    if (decimal.size() <= static_cast<std::size_t>(digits))
      decimal.insert(0, static_cast<std::size_t>(digits) + 1 - decimal.size(), '0');
    decimal.insert(decimal.size() - static_cast<std::size_t>(digits), ".");
  }
  if (money.amount < 0) decimal.insert(0, "-");
  status = U_ZERO_ERROR;
  if (!known) {
    auto formatted = icu_->numbers.precision(icu::number::Precision::fixedFraction(2))
                         .formatDecimal(icu::StringPiece(decimal), status);
    return U_FAILURE(status) ? decimal + " " + money.currency : utf8(formatted.toString(status)) + " " + money.currency;
  }
  auto found = icu_->currencies.find(money.currency);
  if (found == icu_->currencies.end()) {
    icu::CurrencyUnit unit(code.getTerminatedBuffer(), status);
    if (U_FAILURE(status)) return decimal + " " + money.currency;
    found = icu_->currencies.emplace(money.currency, icu_->numbers.unit(unit)).first;
  }
  auto formatted = found->second.formatDecimal(icu::StringPiece(decimal), status);
  auto text = formatted.toString(status);
  return U_FAILURE(status) ? decimal + " " + money.currency : utf8(text);
}

std::string Formats::dateTime(const DateTime& time) const {
  icu::UnicodeString out;
  icu_->dates->format(static_cast<UDate>(time.utc.time_since_epoch().count()) * 1000.0, out);
  return utf8(out);
}

std::string Formats::integer(std::int64_t value) const {
  UErrorCode status = U_ZERO_ERROR;
  auto text = icu_->numbers.formatInt(value, status).toString(status);
  return U_FAILURE(status) ? std::to_string(value) : utf8(text);
}

std::string Formats::value(const TemplateValue& value) const {
  struct Visitor {
    const Formats& self;
    std::string operator()(const std::string& text) const { return text; }
    std::string operator()(std::int64_t number) const { return self.integer(number); }
    std::string operator()(const Money& money) const { return self.money(money); }
    std::string operator()(const DateTime& time) const { return self.dateTime(time); }
    std::string operator()(const Reason& reason) const { return reasonWords(reason.slug, self.language_); }
  };
  return std::visit(Visitor{*this}, value);
}

FormatsPool::Lease FormatsPool::borrow(std::string_view language, std::string_view zone) {
  std::string key(language);
  key += '\n';
  key += zone;
  {
    std::lock_guard lock(mutex_);
    if (auto it = idle_.find(key); it != idle_.end() && !it->second.empty()) {
      auto formats = std::move(it->second.back());
      it->second.pop_back();
      return {*this, std::move(key), std::move(formats)};
    }
  }
  auto formats = std::make_unique<Formats>(patterns_, language, zone);  // outside the lock: the slow part
  return {*this, std::move(key), std::move(formats)};
}

void FormatsPool::giveBack(std::string key, std::unique_ptr<Formats> formats) {
  std::lock_guard lock(mutex_);
  auto it = idle_.find(key);
  if (it == idle_.end()) {
    if (idle_.size() >= kMaxKeys) return;
    it = idle_.emplace(std::move(key), std::vector<std::unique_ptr<Formats>>{}).first;
  }
  if (it->second.size() < kMaxIdlePerKey) it->second.push_back(std::move(formats));
}

}  // namespace boxoffice::notifications
