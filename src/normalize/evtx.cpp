#include "normalize/evtx.h"

#include "core/text.h"

namespace msw::normalize {

void evtx_record_event(const formats::evtx::Record& rec, std::string_view display_path, model::Event& ev) {
  ev.category.clear();
  ev.product = "windows";
  ev.artefact = display_path;
  ev.offset = rec.file_offset;
  ev.time = rec.written;
  visit_evtx_fields(*rec.tree, [&](std::string_view name, std::string_view value) {
    ev.set(name, std::string(value));
    if (name == "TimeCreated") {
      if (auto ts = parse_iso8601(value)) ev.time = *ts;
    }
  });
  if (const auto* channel = ev.get(model::Field::Channel)) ev.service = to_lower_ascii(*channel);
}

}  // namespace msw::normalize
