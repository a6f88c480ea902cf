#include "model.hpp"

#include <array>
#include <utility>

namespace boxoffice::notifications {

namespace {

template <class Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::pair<Enum, std::string_view>, N>& names, std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view name(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, text] : names) {
    if (candidate == value) return text;
  }
  return "?";
}

constexpr std::array<std::pair<Channel, std::string_view>, 4> kChannels{
    {{Channel::Email, "email"}, {Channel::Sms, "sms"}, {Channel::Push, "push"}, {Channel::InApp, "inApp"}}};
constexpr std::array<std::pair<Category, std::string_view>, 3> kCategories{{{Category::Transactional, "transactional"},
                                                                            {Category::Marketing, "marketing"},
                                                                            {Category::Reminders, "reminders"}}};
constexpr std::array<std::pair<DeliveryStatus, std::string_view>, 4> kStatuses{
    {{DeliveryStatus::Queued, "Queued"},
     {DeliveryStatus::Sent, "Sent"},
     {DeliveryStatus::Failed, "Failed"},
     {DeliveryStatus::Suppressed, "Suppressed"}}};

}  // namespace

std::string_view toString(Channel channel) { return name(kChannels, channel); }
std::string_view toString(Category category) { return name(kCategories, category); }
std::string_view toString(DeliveryStatus status) { return name(kStatuses, status); }
std::optional<Channel> parseChannel(std::string_view text) { return parse(kChannels, text); }
std::optional<Category> parseCategory(std::string_view text) { return parse(kCategories, text); }
std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view text) { return parse(kStatuses, text); }

}  // namespace boxoffice::notifications
