#include "formats/registry.h"

#include <cstring>

#include "formats/mbr/mbr.h"
#include "formats/task_job/task_job.h"

namespace msw::formats {
namespace {

bool has_prefix(Bytes b, std::string_view magic, size_t at = 0) {
  return at <= b.size() && magic.size() <= b.size() - at && std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

bool is_pe(Bytes b) {
  // MZ header whose e_lfanew points at "PE\0\0". When e_lfanew lies beyond the sniff window (a large DOS stub) the
  // MZ header alone decides, as long as the offset is plausible.
  if (!has_prefix(b, "MZ")) return false;
  ByteReader r(b);
  if (!r.seek(0x3C)) return false;
  auto lfanew = r.u32le("e_lfanew");
  if (!lfanew) return false;
  if (*lfanew < b.size()) return has_prefix(b, std::string_view("PE\0\0", 4), *lfanew);
  return *lfanew < (1u << 20);
}

bool is_text(Bytes b) {
  if (b.empty()) return false;
  if (has_prefix(b, "\xFF\xFE") || has_prefix(b, "\xFE\xFF") || has_prefix(b, "\xEF\xBB\xBF")) return true;
  size_t control = 0;
  for (std::byte x : b) {
    auto c = static_cast<unsigned char>(x);
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1B) ++control;
  }
  return control * 100 <= b.size();  // tolerate a stray control character in a hand-edited file
}

constexpr Sniffer kSniffers[] = {
    {FileFormat::Evtx, [](Bytes b) { return has_prefix(b, std::string_view("ElfFile\0", 8)); }, "\"ElfFile\\0\""},
    {FileFormat::Regf, [](Bytes b) { return has_prefix(b, "regf"); }, "\"regf\""},
    {FileFormat::Elf, [](Bytes b) { return has_prefix(b, "\x7F" "ELF"); }, "\"\\x7fELF\""},
    {FileFormat::Pcap,
     [](Bytes b) {
       return has_prefix(b, "\xD4\xC3\xB2\xA1") || has_prefix(b, "\xA1\xB2\xC3\xD4") ||
              has_prefix(b, "\x4D\x3C\xB2\xA1") || has_prefix(b, "\xA1\xB2\x3C\x4D");
     },
     "libpcap magic (µs or ns, either byte order)"},
    {FileFormat::Pcapng, [](Bytes b) { return has_prefix(b, "\x0A\x0D\x0D\x0A"); }, "section header block"},
    {FileFormat::Zip, [](Bytes b) { return has_prefix(b, "PK\x03\x04") || has_prefix(b, "PK\x05\x06"); }, "\"PK\\3\\4\""},
    {FileFormat::SevenZip, [](Bytes b) { return has_prefix(b, "7z\xBC\xAF\x27\x1C"); }, "7z signature"},
    {FileFormat::Rar, [](Bytes b) { return has_prefix(b, "Rar!\x1A\x07"); }, "\"Rar!\\x1a\\x07\""},
    {FileFormat::Gzip, [](Bytes b) { return has_prefix(b, "\x1F\x8B"); }, "\\x1f\\x8b"},
    {FileFormat::Xz, [](Bytes b) { return has_prefix(b, std::string_view("\xFD" "7zXZ\0", 6)); }, "\\xfd7zXZ"},
    {FileFormat::Cab, [](Bytes b) { return has_prefix(b, "MSCF"); }, "\"MSCF\""},
    {FileFormat::Ole, [](Bytes b) { return has_prefix(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"); }, "OLE2 header"},
    {FileFormat::Sqlite, [](Bytes b) { return has_prefix(b, std::string_view("SQLite format 3\0", 16)); }, "SQLite"},
    {FileFormat::Lnk, [](Bytes b) { return has_prefix(b, std::string_view("\x4C\0\0\0\x01\x14\x02\0", 8)); }, "LNK"},
    {FileFormat::Prefetch,
     [](Bytes b) { return has_prefix(b, "SCCA", 4) || has_prefix(b, "MAM\x04"); },
     "\"SCCA\" at 4, or compressed \"MAM\\x04\""},
    {FileFormat::Pe, is_pe, "\"MZ\" with a \"PE\\0\\0\" header"},
    {FileFormat::TaskJob, task_job::looks_like_job, "Task Scheduler 1.0 job: file version 1, variable section at 0x46"},
    {FileFormat::Mbr, mbr::looks_like_mbr, "a master boot record: 0x55AA at 510 and a plausible partition table"},
    {FileFormat::Text, is_text, "no NUL bytes and few control characters, or a Unicode BOM"},
};

}  // namespace

std::string_view to_string(FileFormat f) {
  switch (f) {
    case FileFormat::Unknown: return "unknown";
    case FileFormat::Evtx: return "evtx";
    case FileFormat::Regf: return "regf";
    case FileFormat::Pe: return "pe";
    case FileFormat::Elf: return "elf";
    case FileFormat::Pcap: return "pcap";
    case FileFormat::Pcapng: return "pcapng";
    case FileFormat::Zip: return "zip";
    case FileFormat::SevenZip: return "7z";
    case FileFormat::Rar: return "rar";
    case FileFormat::Gzip: return "gzip";
    case FileFormat::Xz: return "xz";
    case FileFormat::Cab: return "cab";
    case FileFormat::Ole: return "ole";
    case FileFormat::Sqlite: return "sqlite";
    case FileFormat::Lnk: return "lnk";
    case FileFormat::Prefetch: return "prefetch";
    case FileFormat::TaskJob: return "task_job";
    case FileFormat::Mbr: return "mbr";
    case FileFormat::Text: return "text";
  }
  return "unknown";
}

std::span<const Sniffer> sniffers() { return kSniffers; }

FileFormat sniff(Bytes head) {
  if (head.size() > kSniffBytes) head = head.first(kSniffBytes);
  for (const auto& s : kSniffers)
    if (s.matches(head)) return s.format;
  return FileFormat::Unknown;
}

}  // namespace msw::formats
