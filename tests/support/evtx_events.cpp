#include "support/evtx_events.h"

#include <span>

#include <gtest/gtest.h>

#include "core/mapped_file.h"
#include "detect/engine.h"
#include "formats/evtx/evtx.h"
#include "normalize/evtx.h"

namespace msw::test {

std::vector<model::Event> evtx_events(const std::string& bytes, const std::string& path) {
  std::vector<model::Event> out;
  Diagnostics d;
  auto data = std::as_bytes(std::span(bytes.data(), bytes.size()));
  auto fi = formats::evtx::read_file_info(data, path, d);
  EXPECT_TRUE(static_cast<bool>(fi));
  if (!fi) return out;
  formats::evtx::ChunkParser parser(data, path);
  for (uint32_t c = 0; c < fi->chunks_in_file; ++c)
    parser.parse_chunk(c, false, d, [&](const formats::evtx::Record& rec) {
      out.emplace_back();
      normalize::evtx_record_event(rec, path, out.back());
    });
  return out;
}

std::vector<model::Event> evtx_file_events(const std::filesystem::path& p) {
  auto file = MappedFile::open(p.string());
  if (!file) return {};
  auto b = file->bytes();
  return evtx_events(std::string(reinterpret_cast<const char*>(b.data()), b.size()), p.string());
}

std::vector<model::Finding> builtin_findings(const std::vector<model::Event>& events, const std::string& path) {
  Diagnostics d;
  auto engines = detect::make_builtin_engines(d);
  std::vector<model::Finding> out;
  const detect::ArtefactView view{path, "", "evtx", "windows", "", events};
  engines.scan_artefact(view, out);
  engines.observe(view, events);
  engines.finish(out);
  return out;
}

}  // namespace msw::test
