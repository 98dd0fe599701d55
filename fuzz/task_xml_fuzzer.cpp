#include <cstddef>
#include <cstdint>

#include "formats/task_xml/task_xml.h"
#include "normalize/windows_tasks.h"

// A file from a collected Tasks folder (attacker-writable): decoding in any encoding, pugixml, the task reader and
// the events made of it; legacy .job files (seed at1.job) go through the job reader on the same path.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  if (auto t = msw::formats::task_xml::parse(bytes, "fuzz")) (void)msw::formats::task_xml::describe_triggers(*t);
  std::vector<msw::model::Event> events;
  (void)msw::normalize::scheduled_task_events(bytes, "C/Windows/System32/Tasks/fuzz", events);
  return 0;
}
