#include "normalize/evtx.h"

#include "core/text.h"

namespace msw::normalize {
namespace {
using formats::evtx::XmlTree;
}

void evtx_record_event(const formats::evtx::Record& rec, std::string_view display_path, model::Event& ev) {
  const XmlTree& t = *rec.tree;
  ev.category.clear();
  ev.product = "windows";
  ev.artefact = display_path;
  ev.offset = rec.file_offset;
  ev.time = rec.written;
  const auto& nodes = t.nodes();
  if (nodes.empty()) return;
  const uint32_t event = 0;  // the root element
  const uint32_t system = t.child(event, "System");
  if (system != XmlTree::kNone) {
    for (uint32_t i = system + 1; i < nodes.size() && nodes[i].parent != XmlTree::kNone; ++i) {
      const auto& n = nodes[i];
      if (n.parent != system) continue;
      std::string_view name = t.name(n);
      if (name == "Provider") {
        if (auto v = t.attr(n, "Name")) ev.set(model::Field::Provider_Name, std::string(*v));
      } else if (name == "TimeCreated") {
        if (auto v = t.attr(n, "SystemTime")) {
          ev.set(model::Field::TimeCreated, std::string(*v));
          if (auto ts = parse_iso8601(*v)) ev.time = *ts;
        }
      } else if (name == "Security") {
        if (auto v = t.attr(n, "UserID")) ev.set(model::Field::Security_UserID, std::string(*v));
      } else if (name == "Execution") {
        if (auto v = t.attr(n, "ProcessID")) ev.set(model::Field::Execution_ProcessID, std::string(*v));
        if (auto v = t.attr(n, "ThreadID")) ev.set(model::Field::Execution_ThreadID, std::string(*v));
      } else if (name == "Correlation") {
        if (auto v = t.attr(n, "ActivityID")) ev.set("ActivityID", std::string(*v));
      } else {
        // EventID, Version, Level, Task, Opcode, Keywords, EventRecordID, Channel, Computer.
        ev.set(name, std::string(t.text(n)));
      }
    }
    if (const auto* channel = ev.get(model::Field::Channel)) ev.service = to_lower_ascii(*channel);
  }
  // EventData: <Data Name="X">v</Data> becomes field X; unnamed Data elements are numbered Data_1, Data_2, ...
  const uint32_t data = t.child(event, "EventData");
  if (data != XmlTree::kNone) {
    size_t unnamed = 0;
    for (uint32_t i = data + 1; i < nodes.size(); ++i) {
      const auto& n = nodes[i];
      if (n.parent != data) continue;
      auto name_attr = t.attr(n, "Name");
      if (name_attr && !name_attr->empty()) {
        ev.set(*name_attr, std::string(t.text(n)));
      } else if (t.name(n) == "Data") {
        ev.set("Data_" + std::to_string(++unnamed), std::string(t.text(n)));
      } else {
        ev.set(t.name(n), std::string(t.text(n)));
      }
    }
  }
  // UserData: one provider-defined element whose leaves carry the values.
  const uint32_t user = t.child(event, "UserData");
  if (user != XmlTree::kNone) {
    for (uint32_t i = user + 1; i < nodes.size(); ++i) {
      const auto& n = nodes[i];
      bool leaf = !(i + 1 < nodes.size() && nodes[i + 1].parent == i);
      if (!leaf) continue;
      // Only descendants of UserData: walk up to check.
      uint32_t p = n.parent;
      while (p != XmlTree::kNone && p != user) p = nodes[p].parent;
      if (p != user) break;
      ev.set(t.name(n), std::string(t.text(n)));
    }
  }
}

}  // namespace msw::normalize
