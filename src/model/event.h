// model::Event: one normalized record (a log event, a process, a connection, a hosts-file entry...).
// Fields are flat and named as in Sigma's taxonomy (fields.def) so one rule language covers every source.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "model/field.h"

namespace msw::model {

struct Event {
  std::optional<Timestamp> time;
  // Sigma logsource: category (process_creation, network_connection, ...), product (windows, linux), service
  // (security, sysmon, ...). minesweep-specific sources use their own category names (hosts_entry, dns_config).
  std::string category;
  std::string product;
  std::string service;
  // Where it came from: the artefact's path as shown to the user, and a byte offset in it.
  std::string artefact;
  uint64_t offset = 0;

  // Add through set(): it keeps the index get() uses. (Appending directly is still read correctly, only slower.)
  std::vector<std::pair<Field, std::string>> fields;
  // Fields not in fields.def (rare EventData names) keep their own name.
  std::vector<std::pair<std::string, std::string>> extra;

  void set(Field f, std::string value);
  void set(std::string_view name, std::string value);  // routes to a known Field when the name is listed
  const std::string* get(Field f) const;
  const std::string* get(std::string_view name) const;
  // The field's value, or "" when the event does not have it.
  std::string value(Field f) const;
  std::string value(std::string_view name) const;

 private:
  // Which fields set() added, while `fields` holds exactly those (counted_ == fields.size()): engines ask for many
  // fields an event does not have, and the answer is then one bit instead of a search.
  std::bitset<kFieldCount> present_;
  size_t counted_ = 0;
};

}  // namespace msw::model
