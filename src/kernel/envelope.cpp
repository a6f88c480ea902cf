#include <boost/json.hpp>

#include "boxoffice/kernel/bus.hpp"

namespace boxoffice {

boost::json::object Envelope::toJson() const {
  return {{"messageId", messageId},
          {"occurredAt", occurredAt},
          {"topic", topic},
          {"type", type},
          {"version", version},
          {"correlationId", correlationId},
          {"causationId", causationId},
          {"payload", payload}};
}

Envelope Envelope::fromJson(const boost::json::object& json) {
  Envelope e;
  e.messageId = json.at("messageId").as_string();
  e.occurredAt = json.at("occurredAt").as_string();
  e.topic = json.at("topic").as_string();
  e.type = json.at("type").as_string();
  e.version = static_cast<int>(json.at("version").to_number<std::int64_t>());
  e.correlationId = json.at("correlationId").as_string();
  e.causationId = json.at("causationId").as_string();
  e.payload = json.at("payload").as_object();
  return e;
}

}  // namespace boxoffice
