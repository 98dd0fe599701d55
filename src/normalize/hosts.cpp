#include "normalize/normalize.h"

namespace msw::normalize {
namespace {
// Raw lines are evidence excerpts for people; a hostile file may put megabytes on one line.
constexpr size_t kMaxExcerpt = 1024;
}  // namespace

void hosts_events(const formats::hosts::HostsFile& file, const Source& src, std::vector<model::Event>& out) {
  for (const auto& entry : file.entries()) {
    std::string address(file.text(entry.address));
    std::string line_no = std::to_string(entry.line);
    std::string raw(file.text(entry.raw_line).substr(0, kMaxExcerpt));
    for (const auto& name : file.names(entry)) {
      model::Event ev;
      ev.category = kHostsEntryCategory;
      ev.product = src.platform;
      ev.artefact = src.display_path;
      ev.offset = entry.raw_line.offset;
      ev.fields.reserve(5);
      ev.set(model::Field::QueryName, std::string(file.text(name)));
      ev.set(model::Field::QueryResults, entry.ip ? entry.ip->to_string() : address);
      ev.set(model::Field::LineNumber, line_no);
      ev.set(model::Field::TargetFilename, std::string(src.display_path));
      ev.set(model::Field::Message, raw);
      out.push_back(std::move(ev));
    }
  }
}

void resolv_conf_events(const formats::resolv_conf::ResolvConf& conf, const Source& src,
                        std::vector<model::Event>& out) {
  for (const auto& ns : conf.nameservers) {
    model::Event ev;
    ev.category = kDnsConfigCategory;
    ev.product = src.platform;
    ev.artefact = src.display_path;
    ev.set(model::Field::DestinationIp, ns.ip ? ns.ip->to_string() : ns.address);
    ev.set(model::Field::DestinationPort, "53");
    ev.set(model::Field::LineNumber, std::to_string(ns.line));
    ev.set(model::Field::TargetFilename, std::string(src.display_path));
    out.push_back(std::move(ev));
  }
}

}  // namespace msw::normalize
