// EVTX record → fields: System values under their Sigma names (EventID, Channel, Provider_Name, Computer,
// TimeCreated, EventRecordID, Level, Security_UserID, Execution_ProcessID, ...), every EventData/UserData value
// under its own name, unnamed Data elements numbered Data_1, Data_2, .... One mapping (visit_evtx_fields) serves
// both the model::Event the pipeline stores and the JSON Lines `evtx dump` writes without building an Event.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "formats/evtx/evtx.h"
#include "model/event.h"

namespace msw::normalize {

// Calls fn(name, value) for every field of the record, System fields first, in document order.
template <typename Fn>
void visit_evtx_fields(const formats::evtx::XmlTree& t, Fn&& fn) {
  using formats::evtx::WellKnownName;
  using formats::evtx::XmlTree;
  const auto& nodes = t.nodes();
  if (nodes.empty()) return;
  // The first System, EventData and UserData under the root, found in one pass.
  uint32_t system = XmlTree::kNone, data = XmlTree::kNone, user = XmlTree::kNone;
  for (uint32_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i].parent != 0) continue;
    const WellKnownName kind = t.kind(nodes[i]);
    uint32_t* slot = kind == WellKnownName::System      ? &system
                     : kind == WellKnownName::EventData ? &data
                     : kind == WellKnownName::UserData  ? &user
                                                        : nullptr;
    if (slot && *slot == XmlTree::kNone) *slot = i;
  }
  size_t unnamed = 0;
  char numbered[24];
  for (uint32_t i = 1; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    if (system != XmlTree::kNone && n.parent == system) {
      switch (t.kind(n)) {
        case WellKnownName::Provider:
          if (auto v = t.attr(n, WellKnownName::Name)) fn("Provider_Name", *v);
          break;
        case WellKnownName::TimeCreated:
          if (auto v = t.attr(n, WellKnownName::SystemTime)) fn("TimeCreated", *v);
          break;
        case WellKnownName::Security:
          if (auto v = t.attr(n, WellKnownName::UserID)) fn("Security_UserID", *v);
          break;
        case WellKnownName::Execution:
          if (auto v = t.attr(n, WellKnownName::ProcessID)) fn("Execution_ProcessID", *v);
          if (auto v = t.attr(n, WellKnownName::ThreadID)) fn("Execution_ThreadID", *v);
          break;
        case WellKnownName::Correlation:
          if (auto v = t.attr(n, WellKnownName::ActivityID)) fn("ActivityID", *v);
          break;
        default:
          fn(t.name(n), t.text(n));  // EventID, Version, Level, Task, Opcode, Keywords, EventRecordID, Channel, Computer
      }
    } else if (data != XmlTree::kNone && n.parent == data) {
      auto name_attr = t.attr(n, WellKnownName::Name);
      if (name_attr && !name_attr->empty()) {
        fn(*name_attr, t.text(n));
      } else if (t.kind(n) == WellKnownName::Data) {
        int len = std::snprintf(numbered, sizeof numbered, "Data_%zu", ++unnamed);
        fn(std::string_view(numbered, static_cast<size_t>(len)), t.text(n));
      } else {
        fn(t.name(n), t.text(n));
      }
    } else if (user != XmlTree::kNone && i > user) {
      // UserData holds one provider-defined element; its leaves carry the values.
      uint32_t p = n.parent;
      while (p != XmlTree::kNone && p != user) p = nodes[p].parent;
      if (p != user) continue;
      const bool leaf = !(i + 1 < nodes.size() && nodes[i + 1].parent == i);
      if (leaf) fn(t.name(n), t.text(n));
    }
  }
}

// SQL Server login events: TargetUserName and IpAddress from the message strings (called by evtx_record_event).
void mssql_login_fields(model::Event& ev);
// Security 4698/4702: TaskCommandLine (each exec action's command and arguments, one a line), TaskComClassId,
// TaskHidden, TaskUserId, TaskRunLevel and TaskTriggers from the task XML in TaskContent (called by
// evtx_record_event).
void task_content_fields(model::Event& ev);

// Fills `ev` (which the caller may reuse); the record's tree must still be valid.
void evtx_record_event(const formats::evtx::Record& rec, std::string_view display_path, model::Event& ev);

}  // namespace msw::normalize
