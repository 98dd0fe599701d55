// The one table from artefact kind to parser. Add a row when a format lands; kinds without a row are inventoried
// (hashed and typed) but not parsed.
#include "normalize/evtx.h"
#include "normalize/normalize.h"

namespace msw::normalize {
namespace {

using ParseFn = Result<ParseOutcome> (*)(Bytes, const Source&, Diagnostics&);

Result<ParseOutcome> parse_hosts(Bytes bytes, const Source& src, Diagnostics& diags) {
  auto file = formats::hosts::parse(bytes, src.display_path, diags);
  if (!file) return file.error();
  ParseOutcome out{true, {}};
  hosts_events(*file, src, out.events);
  return out;
}

Result<ParseOutcome> parse_resolv(Bytes bytes, const Source& src, Diagnostics& diags) {
  auto conf = formats::resolv_conf::parse(bytes, src.display_path, diags);
  if (!conf) return conf.error();
  ParseOutcome out{true, {}};
  resolv_conf_events(*conf, src, out.events);
  return out;
}

Result<ParseOutcome> parse_evtx(Bytes bytes, const Source& src, Diagnostics& diags) {
  auto info = formats::evtx::read_file_info(bytes, src.display_path, diags);
  if (!info) return info.error();
  ParseOutcome out{true, {}};
  formats::evtx::ChunkParser parser(bytes, std::string(src.display_path));
  for (uint32_t c = 0; c < info->chunks_in_file; ++c) {
    parser.parse_chunk(c, /*recover_slack=*/false, diags, [&](const formats::evtx::Record& rec) {
      model::Event ev;
      evtx_record_event(rec, src.display_path, ev);
      out.events.push_back(std::move(ev));
    });
  }
  return out;
}

struct ParserRow {
  evidence::ArtefactKind kind;
  ParseFn parse;
};
constexpr ParserRow kParsers[] = {
    {evidence::ArtefactKind::HostsFile, parse_hosts},
    {evidence::ArtefactKind::ResolvConf, parse_resolv},
    {evidence::ArtefactKind::EventLog, parse_evtx},
};

}  // namespace

Result<ParseOutcome> parse_artefact(const evidence::Artefact& artefact, Bytes bytes, Diagnostics& diags) {
  Source src{artefact.source.display_path, artefact.platform};
  for (const auto& row : kParsers)
    if (row.kind == artefact.kind) return row.parse(bytes, src, diags);
  return ParseOutcome{};
}

}  // namespace msw::normalize
