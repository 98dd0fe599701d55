#include "formats/prefetch/prefetch.h"

#include "core/text.h"
#include "formats/compression/lzxpress_huffman.h"

namespace msw::formats::prefetch {
namespace {

constexpr size_t kHeaderBytes = 84;  // version, "SCCA", size, name (60 bytes), hash, flags

// Where the fields sit in the file information that follows the header, per format version.
struct Layout {
  uint32_t version;
  size_t info_bytes;
  size_t last_run;     // first FILETIME
  size_t last_runs;    // how many
  size_t run_count;
  size_t volume_entry; // bytes per volume entry
};
constexpr Layout kLayouts[] = {
    {17, 68, 36, 1, 60, 40},
    {23, 156, 44, 1, 68, 104},
    {26, 224, 44, 8, 124, 104},
    {30, 224, 44, 8, 124, 96},
    {31, 224, 44, 8, 124, 96},  // Windows 11: laid out as 30
};

std::string utf16z(Bytes b) {
  // Up to the first NUL code unit.
  size_t n = 0;
  while (n + 1 < b.size() && !(b[n] == std::byte{0} && b[n + 1] == std::byte{0})) n += 2;
  return utf16le_to_utf8(b.first(n)).utf8;
}

}  // namespace

std::string Prefetch::executable_path() const {
  if (executable.empty()) return {};
  for (const auto& f : files) {
    const size_t slash = f.rfind('\\');
    const std::string_view name = slash == std::string::npos ? std::string_view(f) : std::string_view(f).substr(slash + 1);
    if (iequals_ascii(name, executable)) return f;
  }
  return {};
}

Result<std::vector<std::byte>> decompress_mam(Bytes file) {
  if (file.size() < 8 || as_chars(file.first(3)) != "MAM")
    return Error::make("prefetch.not_prefetch", "no MAM signature");
  const auto kind = static_cast<uint8_t>(file[3]);
  if ((kind & 0x0F) != 4)
    return Error::make("prefetch.unsupported_version",
                       "MAM compression type " + std::to_string(kind & 0x0F) + " (only LZXPRESS Huffman, 4, is known)");
  const uint32_t size = wire::le32(file, 4);
  // 0x80 in the type byte: a CRC32 follows the size.
  const size_t data_at = (kind & 0x80) ? 12 : 8;
  if (file.size() < data_at) return Error::make("prefetch.truncated", "MAM header cut short");
  if (size > kMaxDecompressedBytes)
    return Error::make("prefetch.too_large", "declared size " + std::to_string(size) + " exceeds the limit");
  std::vector<std::byte> out;
  if (auto r = compression::lzxpress_huffman_decompress(file.subspan(data_at), size, out); !r) return r.error();
  return out;
}

Result<Prefetch> parse(Bytes file, std::string_view evidence, Diagnostics& diags) {
  Prefetch pf;
  std::vector<std::byte> inflated;
  if (file.size() >= 4 && as_chars(file.first(3)) == "MAM") {
    auto d = decompress_mam(file);
    if (!d) return d.error();
    inflated = std::move(d).value();
    file = inflated;
    pf.compressed = true;
  }
  if (file.size() < kHeaderBytes || as_chars(file.subspan(4, 4)) != "SCCA")
    return Error::make("prefetch.not_prefetch", "no SCCA signature at offset 4");
  pf.version = wire::le32(file, 0);
  const Layout* layout = nullptr;
  for (const auto& l : kLayouts)
    if (l.version == pf.version) layout = &l;
  if (!layout)
    return Error::make("prefetch.unsupported_version", "format version " + std::to_string(pf.version) +
                                                           " (known: 17, 23, 26, 30, 31)");
  if (file.size() < kHeaderBytes + layout->info_bytes)
    return Error::make("prefetch.truncated", "file information cut short (" + std::to_string(file.size()) + " bytes)");
  pf.executable = utf16z(file.subspan(16, 60));
  pf.hash = wire::le32(file, 76);
  const Bytes info = file.subspan(kHeaderBytes, layout->info_bytes);
  const uint32_t metrics_offset = wire::le32(info, 0);
  // Windows 10 1903 and later write a shorter file information (212 bytes): the run count moves 8 bytes up.
  size_t run_count_at = layout->run_count;
  if (pf.version >= 30 && metrics_offset == kHeaderBytes + 212) run_count_at -= 8;
  pf.run_count = wire::le32(info, run_count_at);
  for (size_t i = 0; i < layout->last_runs; ++i)
    if (const uint64_t t = wire::le64(info, layout->last_run + 8 * i); t != 0) pf.last_runs.push_back(t);

  auto damaged = [&](std::string what) {
    diags.add("prefetch.damaged", DiagSeverity::Warning, std::string(evidence), 0, std::move(what));
  };
  ByteReader r(file);
  // File names: UTF-16 strings, each NUL-terminated, in a block of the given size.
  const uint32_t names_at = wire::le32(info, 16), names_size = wire::le32(info, 20);
  if (auto names = r.bytes_at(names_at, names_size, "file name strings")) {
    Bytes rest = *names;
    while (rest.size() >= 2 && pf.files.size() < kMaxFiles) {
      size_t n = 0;
      while (n + 1 < rest.size() && !(rest[n] == std::byte{0} && rest[n + 1] == std::byte{0})) n += 2;
      if (n == 0 && n + 1 < rest.size()) break;  // padding after the last name
      pf.files.push_back(utf16le_to_utf8(rest.first(std::min(n, rest.size()))).utf8);
      rest = rest.subspan(std::min(n + 2, rest.size()));
    }
    if (pf.files.size() == kMaxFiles) damaged("more than " + std::to_string(kMaxFiles) + " file names; the rest skipped");
  } else {
    damaged("file name strings out of bounds (offset " + std::to_string(names_at) + ", size " +
            std::to_string(names_size) + ")");
  }
  // Volumes: fixed-size entries, each naming its device path by an offset relative to the volume block.
  const uint32_t volumes_at = wire::le32(info, 24), volume_count = wire::le32(info, 28),
                 volumes_size = wire::le32(info, 32);
  if (auto block = r.bytes_at(volumes_at, volumes_size, "volume information")) {
    const size_t count = std::min<size_t>(volume_count, kMaxVolumes);
    if (count < volume_count) damaged(std::to_string(volume_count) + " volumes declared; the first " +
                                      std::to_string(kMaxVolumes) + " read");
    for (size_t i = 0; i < count; ++i) {
      const size_t at = i * layout->volume_entry;
      if (at + layout->volume_entry > block->size()) {
        damaged("volume entry " + std::to_string(i) + " lies outside the volume information");
        break;
      }
      Volume v;
      const uint32_t path_at = wire::le32(*block, at), path_chars = wire::le32(*block, at + 4);
      v.creation_time = wire::le64(*block, at + 8);
      v.serial = wire::le32(*block, at + 16);
      if (path_at <= block->size() && path_chars <= (block->size() - path_at) / 2)
        v.device_path = utf16le_to_utf8(block->subspan(path_at, size_t{path_chars} * 2)).utf8;
      else
        damaged("volume " + std::to_string(i) + " device path out of bounds");
      pf.volumes.push_back(std::move(v));
    }
  } else if (volume_count != 0) {
    damaged("volume information out of bounds (offset " + std::to_string(volumes_at) + ", size " +
            std::to_string(volumes_size) + ")");
  }
  return pf;
}

}  // namespace msw::formats::prefetch
