#pragma once
// JSON for described structs (integration messages and the types they nest, see message.hpp):
// one generic mapping instead of a toJson/fromJson written per struct and per field. Include it
// from .cpp files only; contract headers stay free of Boost.JSON.
//
//   boost::json::object payload = toJson(message);
//   auto message = fromJson<EventCreated>(payload);
//   tx.publish(message, correlationId);                  // topic, type and version from the type
//   subscribeMessages<Subscriptions>(bus, store, handler);  // modules/<m>/subscriptions.hpp
//
// Supported field types: std::string, bool, signed integers, std::optional<T> (omitted when empty;
// absent or null reads as empty), std::vector<T>, and described structs (nested objects; base
// classes' fields first). Field names on the wire are the C++ member names.
//
// fromJson throws std::invalid_argument naming the field ("priceCategories[1].price.amount is not
// an integer") when one is missing or has the wrong type; a handler that lets it escape has its
// message retried and eventually dead-lettered. Fields the struct does not declare are ignored
// (a tolerant reader: a publisher may add a field without breaking older subscribers).
#include <boost/describe/members.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/message.hpp"

namespace boxoffice {

namespace message_json {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

template <class T>
inline constexpr bool kDescribed = boost::describe::has_describe_members<T>::value;

// Public data members, the bases' first (in declaration order: the order on the wire).
template <class T>
using Members = boost::describe::describe_members<T, boost::describe::mod_public | boost::describe::mod_inherited>;

template <class T>
inline constexpr bool kInteger = std::is_integral_v<T>&& std::is_signed_v<T> && !std::is_same_v<T, bool>;

// Where a value sits in the document being read, rendered only when reading fails.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;        // a member name, or empty for an array element
  std::size_t index = 0;       // the element's index when `key` is empty
  std::string render() const;  // "priceCategories[1].price.amount"
};

[[noreturn]] void fail(const Path& path, std::string_view problem);  // std::invalid_argument

template <class T>
boost::json::value toValue(const T& value);

template <class T>
boost::json::object toObject(const T& value) {
  static_assert(kDescribed<T>, "declare the struct's fields with BOOST_DESCRIBE_STRUCT");
  boost::json::object out;
  out.reserve(boost::mp11::mp_size<Members<T>>::value);
  boost::mp11::mp_for_each<Members<T>>([&](auto member) {
    const auto& field = value.*member.pointer;
    using F = std::remove_cvref_t<decltype(field)>;
    if constexpr (IsOptional<F>::value) {
      if (field) out.emplace(member.name, toValue(*field));
    } else {
      out.emplace(member.name, toValue(field));
    }
  });
  return out;
}

template <class T>
boost::json::value toValue(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return boost::json::value(value);
  } else if constexpr (kInteger<T>) {
    return boost::json::value(static_cast<std::int64_t>(value));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return boost::json::value(boost::json::string_view(value.data(), value.size()));
  } else if constexpr (IsVector<T>::value) {
    boost::json::array out;
    out.reserve(value.size());
    for (const auto& element : value) out.push_back(toValue(element));
    return out;
  } else {
    return toObject(value);
  }
}

template <class T>
void fromValue(const boost::json::value& in, T& out, const Path& path);

template <class T>
void fromObject(const boost::json::object& in, T& out, const Path* parent) {
  static_assert(kDescribed<T>, "declare the struct's fields with BOOST_DESCRIBE_STRUCT");
  boost::mp11::mp_for_each<Members<T>>([&](auto member) {
    auto& field = out.*member.pointer;
    using F = std::remove_cvref_t<decltype(field)>;
    const Path here{parent, member.name};
    const boost::json::value* found = in.if_contains(member.name);
    if constexpr (IsOptional<F>::value) {
      if (!found || found->is_null()) {
        field.reset();
      } else {
        fromValue(*found, field.emplace(), here);
      }
    } else {
      if (!found) fail(here, "is missing");
      fromValue(*found, field, here);
    }
  });
}

template <class T>
void fromValue(const boost::json::value& in, T& out, const Path& path) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!in.is_bool()) fail(path, "is not a boolean");
    out = in.get_bool();
  } else if constexpr (kInteger<T>) {
    std::int64_t number = 0;
    if (in.is_int64()) {
      number = in.get_int64();
    } else if (in.is_uint64() && in.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
      number = static_cast<std::int64_t>(in.get_uint64());
    } else {
      fail(path, "is not an integer");
    }
    if (number < std::numeric_limits<T>::min() || number > std::numeric_limits<T>::max()) fail(path, "is out of range");
    out = static_cast<T>(number);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!in.is_string()) fail(path, "is not a string");
    out.assign(in.get_string().data(), in.get_string().size());
  } else if constexpr (IsVector<T>::value) {
    if (!in.is_array()) fail(path, "is not an array");
    const auto& array = in.get_array();
    out.clear();
    out.resize(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) fromValue(array[i], out[i], Path{&path, {}, i});
  } else {
    if (!in.is_object()) fail(path, "is not an object");
    fromObject(in.get_object(), out, &path);
  }
}

}  // namespace message_json

template <class T>
boost::json::object toJson(const T& value) {
  return message_json::toObject(value);
}

template <class T>
T fromJson(const boost::json::object& json) {
  T out{};
  message_json::fromObject(json, out, nullptr);
  return out;
}

// For a value that is not an object: a vector of described structs, a nested field.
template <class T>
boost::json::value toJsonValue(const T& value) {
  return message_json::toValue(value);
}

template <class T>
T fromJsonValue(const boost::json::value& json) {
  T out{};
  message_json::fromValue(json, out, message_json::Path{nullptr, "$"});  // errors name "$[1].price"
  return out;
}

namespace message_json {
// The one place a message type's traits become an outbox row.
template <IntegrationMessage Message>
std::string publishPayload(Tx& tx, const boost::json::object& payload, std::string_view correlationId,
                           std::string_view causationId) {
  return tx.publish(Message::topic, Message::type, payload, correlationId, causationId, Message::messageVersion);
}
}  // namespace message_json

// Tx::publish for a typed message (declared in db.hpp).
template <class Message>
requires requires {
  Message::topic;
  Message::type;
  Message::messageVersion;
}
std::string Tx::publish(const Message& message, std::string_view correlationId, std::string_view causationId) {
  static_assert(IntegrationMessage<Message>);
  return message_json::publishPayload<Message>(*this, toJson(message), correlationId, causationId);
}

// tx.publish(message, ...) that hands back the payload, for a caller that answers a request with
// the same document: the object is built once (inventory's hold path, thousands a second).
template <IntegrationMessage Message>
boost::json::object publishKeepingPayload(Tx& tx, const Message& message, std::string_view correlationId) {
  auto payload = toJson(message);
  message_json::publishPayload<Message>(tx, payload, correlationId, {});
  return payload;
}

// Subscribes module `Contract::module` to every message in `Contract::Subscribes`: one bus
// subscription per topic, dispatching on the envelope's type to
// `handler(const Message&, const Envelope&, Tx&)`, called with the decoded message. Types the
// contract does not list never reach the inbox (the subscription's type filter; a topic carries
// more than one subscriber wants), and are skipped if they do (an older inbox row). A message
// of the right type but another version, or one that does not decode, throws (retry, then dead
// letter): a handler never sees a payload it was not written for.
template <SubscriptionContract Contract, class Handler>
void subscribeMessages(MessageBus& bus, Database& store, Handler handler) {
  using Decode = std::function<void(const Envelope&, Tx&)>;
  auto shared = std::make_shared<Handler>(std::move(handler));
  std::map<std::string, std::map<std::string, Decode, std::less<>>, std::less<>> byTopic;
  boost::mp11::mp_for_each<boost::mp11::mp_transform<std::type_identity, typename Contract::Subscribes>>(
      [&](auto identity) {
        using Message = typename decltype(identity)::type;
        static_assert(IntegrationMessage<Message>);
        static_assert(std::is_invocable_v<Handler&, const Message&, const Envelope&, Tx&>,
                      "the handler must accept every message the contract subscribes to");
        byTopic[std::string(Message::topic)][std::string(Message::type)] = [shared](const Envelope& envelope, Tx& tx) {
          if (envelope.version != Message::messageVersion) {
            throw std::invalid_argument(std::string(Message::type) + " version " + std::to_string(envelope.version) +
                                        " is not the supported version " + std::to_string(Message::messageVersion));
          }
          (*shared)(fromJson<Message>(envelope.payload), envelope, tx);
        };
      });
  for (auto& [topic, types] : byTopic) {
    std::vector<std::string> names;
    for (const auto& entry : types) names.push_back(entry.first);
    bus.subscribe(
        topic, std::string(Contract::module), store,
        [types = std::move(types)](const Envelope& envelope, Tx& tx) {
          if (auto it = types.find(envelope.type); it != types.end()) it->second(envelope, tx);
        },
        std::move(names));
  }
}

}  // namespace boxoffice
