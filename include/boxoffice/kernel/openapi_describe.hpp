#pragma once
// OpenAPI schemas generated from described structs (BOOST_DESCRIBE_STRUCT, the integration
// messages and the types they nest): when an answer renders such a struct with message_json's
// toJson, its schema comes from the same declaration and cannot drift from it.
//
//   router.schemas().define("Venue", openapi::schemaOf<events::Venue>());
//
// The mapping is message_json.hpp's: std::string -> string, bool -> boolean, signed integers ->
// integer, std::optional<T> -> an optional member, std::vector<T> -> array, described struct ->
// closed object.
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/openapi.hpp"

namespace boxoffice::openapi {

template <class T>
Schema schemaOf();

namespace detail {

template <class T>
Schema valueSchema() {
  if constexpr (std::is_same_v<T, bool>) {
    return boolean();
  } else if constexpr (std::is_integral_v<T>) {
    return integer();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return string();
  } else if constexpr (message_json::IsVector<T>::value) {
    return arrayOf(valueSchema<typename T::value_type>());
  } else {
    static_assert(message_json::kDescribed<T>, "schemaOf: not a type message_json.hpp can write");
    return schemaOf<T>();
  }
}

}  // namespace detail

template <class T>
Schema schemaOf() {
  std::vector<Field> fields;
  boost::mp11::mp_for_each<message_json::Members<T>>([&](auto member) {
    using F = std::remove_cvref_t<decltype(std::declval<T&>().*member.pointer)>;
    if constexpr (message_json::IsOptional<F>::value) {
      fields.push_back(optional(member.name, detail::valueSchema<typename F::value_type>()));
    } else {
      fields.push_back({member.name, detail::valueSchema<F>()});
    }
  });
  return object(std::move(fields));
}

}  // namespace boxoffice::openapi
