#include "normalize/boot_record.h"

#include <cstdio>

#include "formats/mbr/mbr.h"

namespace msw::normalize {

Result<void> boot_record_events(Bytes disk, std::string_view path, std::vector<model::Event>& out) {
  auto r = formats::mbr::parse(disk);
  if (!r) return r.error();
  model::Event e;
  e.category = "boot_record";
  e.artefact = path;
  char buf[64];
  e.set("BootLoader", std::string(formats::mbr::to_string(r->loader)));
  e.set("BootLoaderEvidence", r->evidence);
  e.set("BootCodeSha256", r->sha256);
  std::snprintf(buf, sizeof buf, "%.2f", r->code_entropy);
  e.set("BootCodeEntropy", buf);
  std::snprintf(buf, sizeof buf, "%08X", r->disk_signature);
  e.set("DiskSignature", buf);
  e.set("PartitionStyle", r->gpt ? "gpt" : "mbr");
  std::string parts;
  for (const auto& p : r->partitions) {
    if (p.type == 0) continue;
    std::snprintf(buf, sizeof buf, "%s0x%02X@%u+%u", p.active ? "*" : "", p.type, p.first_lba, p.sectors);
    parts += (parts.empty() ? "" : " ") + std::string(buf);
  }
  e.set("Partitions", parts);
  e.set("GapSectors", std::to_string(r->gap_sectors));
  e.set("GapSectorsUsed", std::to_string(r->gap_used));
  std::snprintf(buf, sizeof buf, "%.2f", r->gap_entropy);
  e.set("GapEntropy", buf);
  out.push_back(std::move(e));
  return {};
}

}  // namespace msw::normalize
