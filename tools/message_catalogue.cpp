// Prints docs/messages.md, the catalogue of every integration message, from the modules'
// Messaging contracts (include/boxoffice/<module>/messages.hpp) and their private subscription
// lists (modules/<module>/subscriptions.hpp): topic, type, version, fields with their JSON types,
// publisher and subscribers. scripts/test.sh regenerates it and fails when the
// checked-in file differs, so the catalogue cannot drift from the code.
//
//   cmake --build build --target message_catalogue && build/message_catalogue > docs/messages.md
//
// It fails (exit 1) when two modules publish the same type on a topic or a module subscribes to
// a message nobody publishes.
#include <algorithm>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/identity/messages.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/notifications/messages.hpp"
#include "boxoffice/orders/messages.hpp"
#include "boxoffice/payments/messages.hpp"
#include "boxoffice/tickets/messages.hpp"
#include "events/subscriptions.hpp"
#include "inventory/subscriptions.hpp"
#include "notifications/subscriptions.hpp"
#include "orders/subscriptions.hpp"
#include "payments/subscriptions.hpp"
#include "tickets/subscriptions.hpp"

namespace {

using namespace boxoffice;

// Every module with a Messaging contract. A new module adds its contract here; scripts/test.sh
// fails if a messages.hpp exists whose module is missing from the catalogue.
using Contracts =
    MessageList<identity::messages::Messaging, events::messages::Messaging, inventory::messages::Messaging,
                payments::messages::Messaging, orders::messages::Messaging, notifications::messages::Messaging,
                tickets::messages::Messaging>;
// Every module that subscribes to messages (modules/<m>/subscriptions.hpp). A new subscriber adds
// its list here.
using SubscriptionLists = MessageList<events::Subscriptions, inventory::Subscriptions, payments::Subscriptions,
                                      orders::Subscriptions, notifications::Subscriptions, tickets::Subscriptions>;
// Every module that sends commands (its private `Sends`, next to its Subscriptions).
using SendLists = MessageList<orders::Sends>;

// A contract's commands (`Messaging::Accepts`), or none.
template <class Contract>
struct AcceptsOf {
  using type = MessageList<>;
};
template <class Contract>
requires requires { typename Contract::Accepts; }
struct AcceptsOf<Contract> {
  using type = typename Contract::Accepts;
};

struct Field {
  std::string path;
  std::string type;
  bool required = true;
};

struct Entry {
  std::string topic;
  std::string type;
  int version = 1;
  std::string summary;
  std::string publisher;  // a command: the module that carries it out (its only subscriber)
  std::vector<std::string> subscribers;
  std::vector<Field> fields;
  bool command = false;
  std::vector<std::string> senders;  // a command: the modules that send it
};

// The field traits the JSON mapping itself uses, so the catalogue describes exactly what it writes.
using message_json::IsOptional;
using message_json::IsVector;
using message_json::Members;

template <class T>
void fieldsOf(const std::string& prefix, std::vector<Field>& out);

// The JSON type of T as message_json.hpp writes it; nested objects list their own fields below.
template <class T>
std::string jsonType() {
  if constexpr (std::is_same_v<T, bool>) {
    return "boolean";
  } else if constexpr (std::is_integral_v<T>) {
    return "integer";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "string";
  } else if constexpr (IsVector<T>::value) {
    return "array of " + jsonType<typename T::value_type>();
  } else {
    return "object";
  }
}

template <class T>
void describeField(const std::string& path, bool required, std::vector<Field>& out) {
  if constexpr (IsOptional<T>::value) {
    describeField<typename T::value_type>(path, false, out);
  } else {
    out.push_back({path, jsonType<T>(), required});
    if constexpr (IsVector<T>::value) {
      if constexpr (boost::describe::has_describe_members<typename T::value_type>::value) {
        fieldsOf<typename T::value_type>(path + "[]", out);
      }
    } else if constexpr (boost::describe::has_describe_members<T>::value) {
      fieldsOf<T>(path, out);
    }
  }
}

template <class T>
void fieldsOf(const std::string& prefix, std::vector<Field>& out) {
  boost::mp11::mp_for_each<Members<T>>([&](auto member) {
    using F = std::remove_cvref_t<decltype(std::declval<T&>().*member.pointer)>;
    describeField<F>(prefix.empty() ? member.name : prefix + "." + member.name, true, out);
  });
}

template <class List, class F>
void forEachType(F&& f) {
  boost::mp11::mp_for_each<boost::mp11::mp_transform<std::type_identity, List>>(
      [&](auto identity) { f.template operator()<typename decltype(identity)::type>(); });
}

Entry* find(std::vector<Entry>& entries, std::string_view topic, std::string_view type) {
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.topic == topic && e.type == type; });
  return it == entries.end() ? nullptr : &*it;
}

std::string code(std::string_view text) { return "`" + std::string(text) + "`"; }

std::string anchor(std::string_view topic, std::string_view type) {
  std::string out = std::string(topic) + "-" + std::string(type);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

void printFields(std::ostream& out, const std::vector<Field>& fields) {
  out << "| field | JSON type | required |\n"
      << "|---|---|---|\n";
  for (const auto& f : fields) {
    out << "| " << code(f.path) << " | " << f.type << " | " << (f.required ? "yes" : "no (omitted when empty)")
        << " |\n";
  }
}

}  // namespace

int main() {
  std::vector<Entry> entries;
  std::vector<std::string> modules;
  std::vector<std::string> problems;
  forEachType<Contracts>([&]<class Contract>() {
    static_assert(MessagingContract<Contract>);
    modules.emplace_back(Contract::module);
    forEachType<typename Contract::Publishes>([&]<class Message>() {
      static_assert(IntegrationMessage<Message>);
      if (find(entries, Message::topic, Message::type)) {
        problems.push_back(std::string(Message::type) + " on topic " + std::string(Message::topic) +
                           " is published by two modules");
        return;
      }
      Entry entry{std::string(Message::topic),
                  std::string(Message::type),
                  Message::messageVersion,
                  std::string(Message::summary),
                  std::string(Contract::module),
                  {},
                  {},
                  false,
                  {}};
      fieldsOf<Message>("", entry.fields);
      entries.push_back(std::move(entry));
    });
  });
  forEachType<Contracts>([&]<class Contract>() {
    forEachType<typename AcceptsOf<Contract>::type>([&]<class Message>() {
      static_assert(IntegrationMessage<Message>);
      if (find(entries, Message::topic, Message::type)) {
        problems.push_back(std::string(Message::type) + " on topic " + std::string(Message::topic) +
                           " is declared by two modules");
        return;
      }
      Entry entry{std::string(Message::topic),
                  std::string(Message::type),
                  Message::messageVersion,
                  std::string(Message::summary),
                  std::string(Contract::module),
                  {},
                  {},
                  true,
                  {}};
      fieldsOf<Message>("", entry.fields);
      entries.push_back(std::move(entry));
    });
  });
  forEachType<SendLists>([&]<class Contract>() {
    forEachType<typename Contract::Commands>([&]<class Message>() {
      auto* entry = find(entries, Message::topic, Message::type);
      if (!entry || !entry->command) {
        problems.push_back(std::string(Contract::module) + " sends " + std::string(Message::type) +
                           ", which no module accepts as a command");
        return;
      }
      entry->senders.emplace_back(Contract::module);
    });
  });
  forEachType<SubscriptionLists>([&]<class Contract>() {
    static_assert(SubscriptionContract<Contract>);
    forEachType<typename Contract::Subscribes>([&]<class Message>() {
      auto* entry = find(entries, Message::topic, Message::type);
      if (!entry) {
        problems.push_back(std::string(Contract::module) + " subscribes to " + std::string(Message::type) +
                           ", which no module publishes");
        return;
      }
      entry->subscribers.emplace_back(Contract::module);
    });
  });
  for (const auto& e : entries) {
    if (!e.command) continue;
    if (e.subscribers.size() != 1 || e.subscribers.front() != e.publisher) {
      problems.push_back("command " + e.type + " must have exactly one subscriber, " + e.publisher +
                         ", which carries it out");
    }
    if (e.senders.empty()) problems.push_back("command " + e.type + " is sent by no module");
  }
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "message_catalogue: " << p << "\n";
    return 1;
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.topic < b.topic; });

  std::ostream& out = std::cout;
  out << "# Message catalogue\n\n"
      << "<!-- Generated from the Messaging contracts in include/boxoffice/*/messages.hpp and the\n"
      << "     subscription lists in modules/*/subscriptions.hpp by\n"
      << "     tools/message_catalogue.cpp; do not edit. Regenerate with\n"
      << "     cmake --build build --target message_catalogue && build/message_catalogue > docs/messages.md\n"
      << "     (scripts/test.sh fails while this file differs from the code). -->\n\n"
      << "Every integration message on the bus. Each travels in the envelope described in\n"
      << "[architecture.md](architecture.md#messages-outbox-inbox-dead-letters) (`messageId`, `occurredAt`,\n"
      << "`type`, `version`, `correlationId`, `causationId`, `payload`); below are the payloads. `version`\n"
      << "is the payload schema's version: a subscriber refuses (retries, then dead-letters) a version it\n"
      << "was not written for. Subscribers ignore fields they do not know, so adding an optional field\n"
      << "needs no new version; removing or retyping one does.\n\n"
      << "The **audit** module also receives every message of every topic, commands included, and keeps\n"
      << "it unchanged in a hash-chained store ([api/audit.md](api/audit.md)); it only records them, so the\n"
      << "subscriber columns below leave it out.\n\n"
      << "A **command** asks one module to do something (the checkout saga's steps, see\n"
      << "[architecture.md](architecture.md#the-checkout-saga-commands-and-replies-through-the-outbox)): it\n"
      << "travels on a command topic whose only handler is the module that carries it out, and is\n"
      << "answered by a reply on that module's own topic.\n\n"
      << "Modules:";
  for (std::size_t i = 0; i < modules.size(); ++i) out << (i ? ", " : " ") << code(modules[i]);
  out << ".\n\n"
      << "| topic | type | version | publisher | subscribers | summary |\n"
      << "|---|---|---|---|---|---|\n";
  for (const auto& e : entries) {
    if (e.command) continue;
    std::string subscribers;
    for (const auto& s : e.subscribers) subscribers += (subscribers.empty() ? "" : ", ") + s;
    out << "| " << code(e.topic) << " | [" << code(e.type) << "](#" << anchor(e.topic, e.type) << ") | " << e.version
        << " | " << e.publisher << " | " << (subscribers.empty() ? "—" : subscribers) << " | " << e.summary << " |\n";
  }
  out << "\nCommands:\n\n"
      << "| topic | command | version | sent by | carried out by | summary |\n"
      << "|---|---|---|---|---|---|\n";
  for (const auto& e : entries) {
    if (!e.command) continue;
    std::string senders;
    for (const auto& s : e.senders) senders += (senders.empty() ? "" : ", ") + s;
    out << "| " << code(e.topic) << " | [" << code(e.type) << "](#" << anchor(e.topic, e.type) << ") | " << e.version
        << " | " << senders << " | " << e.publisher << " | " << e.summary << " |\n";
  }
  for (const auto& e : entries) {
    if (e.command) {
      std::string senders;
      for (const auto& s : e.senders) senders += (senders.empty() ? "" : ", ") + s;
      out << "\n## " << e.topic << "-" << e.type << "\n\n"
          << "Command on topic " << code(e.topic) << ", type " << code(e.type) << ", version " << e.version
          << ". Sent by " << senders << "; carried out by " << e.publisher << ". " << e.summary << "\n\n";
      printFields(out, e.fields);
      continue;
    }
    out << "\n## " << e.topic << "-" << e.type << "\n\n"
        << "Topic " << code(e.topic) << ", type " << code(e.type) << ", version " << e.version << ". Published by "
        << e.publisher << "; ";
    if (e.subscribers.empty()) {
      out << "no module subscribes yet.";
    } else {
      out << "subscribed by ";
      for (std::size_t i = 0; i < e.subscribers.size(); ++i) out << (i ? ", " : "") << e.subscribers[i];
      out << ".";
    }
    out << " " << e.summary << "\n\n";
    printFields(out, e.fields);
  }
  return 0;
}
