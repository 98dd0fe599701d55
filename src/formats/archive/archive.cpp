#include "formats/archive/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "core/text.h"

namespace msw::formats::archive {
namespace {

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// A name that would land outside the extraction folder if a tool honoured it.
bool unsafe(std::string_view name) {
  if (name.empty()) return false;
  if (name.front() == '/' || name.front() == '\\') return true;
  if (name.size() >= 2 && name[1] == ':') return true;  // C:...
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string why(struct archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown";
}

std::string format_name(struct archive* a) {
  const char* s = archive_format_name(a);
  return s ? s : "archive";
}

constexpr uint64_t kRatioFloor = 16ull << 20;  // ratios are judged only after this much has come out

}  // namespace

Result<Archive> read(Bytes data, const Limits& limits, bool single_stream) {
  std::unique_ptr<struct archive, ArchiveDeleter> a(archive_read_new());
  if (!a) return Error::make("archive.unreadable", "libarchive could not start");
  archive_read_support_filter_all(a.get());
  if (single_stream) {
    archive_read_support_format_raw(a.get());
  } else {
    archive_read_support_format_all(a.get());
  }
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
    return Error::make("archive.unreadable", std::string("not an archive libarchive reads: ") + why(a.get()));
  Archive out;
  uint64_t total = 0;
  bool stop = false;  // a whole-archive limit was reached: no further member is read
  std::array<char, 64 << 10> buf;
  for (;;) {
    struct archive_entry* e = nullptr;
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_FATAL || !e) {
      if (out.members.empty() && out.format.empty())
        return Error::make("archive.unreadable", std::string("unreadable archive: ") + why(a.get()));
      out.notes.push_back(std::string("stopped at a damaged header: ") + why(a.get()));
      break;
    }
    if (out.format.empty()) out.format = format_name(a.get());
    if (out.members.size() >= limits.max_members) {
      out.notes.push_back("more than " + std::to_string(limits.max_members) + " members: the rest were not read");
      break;
    }
    Member m;
    const char* name = archive_entry_pathname_utf8(e);
    if (!name) name = archive_entry_pathname(e);
    m.name = name ? name : (single_stream ? "data" : "");
    if (single_stream && m.name.empty()) m.name = "data";
    m.size =
        archive_entry_size_is_set(e) && archive_entry_size(e) > 0 ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
    m.unsafe_path = unsafe(m.name);
    const auto type = archive_entry_filetype(e);
    if (archive_entry_hardlink(e)) {
      m.kind = MemberKind::Link;
      m.link_target = archive_entry_hardlink(e);
    } else if (type == AE_IFLNK) {
      m.kind = MemberKind::Link;
      m.link_target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
    } else if (type == AE_IFDIR) {
      m.kind = MemberKind::Directory;
    } else if (type != AE_IFREG && type != 0) {
      m.kind = MemberKind::Other;
    }
    m.encrypted = archive_entry_is_encrypted(e);
    if (m.kind == MemberKind::Link) m.note = "a link: not followed, not extracted";
    if (m.kind == MemberKind::File && m.encrypted) m.note = "encrypted: data not read";
    if (m.kind == MemberKind::File && !m.encrypted) {
      if (m.size) m.data.reserve(static_cast<size_t>(std::min<uint64_t>(m.size, limits.max_member_bytes)));
      for (;;) {
        const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
        if (n == 0) break;
        if (n < 0) {
          m.note = std::string("damaged data: ") + why(a.get());
          break;
        }
        const auto got = static_cast<uint64_t>(n);
        if (m.data.size() + got > limits.max_member_bytes) {
          m.note = "larger than " + std::to_string(limits.max_member_bytes >> 20) + " MiB: cut there";
          m.data.append(buf.data(), static_cast<size_t>(limits.max_member_bytes - m.data.size()));
          break;
        }
        if (total + got > limits.max_total_bytes) {
          m.note = "the archive's unpacked total passed " + std::to_string(limits.max_total_bytes >> 20) + " MiB";
          stop = true;
          break;
        }
        if (total + got > kRatioFloor && (total + got) / std::max<uint64_t>(data.size(), 1) > limits.max_ratio) {
          m.note = "unpacks to more than " + std::to_string(limits.max_ratio) + " times its size (an archive bomb?)";
          stop = true;
          break;
        }
        m.data.append(buf.data(), static_cast<size_t>(n));
        total += got;
      }
    }
    out.members.push_back(std::move(m));
    if (stop) {
      out.notes.push_back(out.members.back().note + ": the rest were not read");
      break;
    }
  }
  if (out.format.empty()) out.format = format_name(a.get());
  return out;
}

std::vector<Embedded> find_embedded(Bytes data, uint64_t from, size_t max) {
  struct Signature {
    std::string_view magic, kind;
  };
  static constexpr Signature kSignatures[] = {
      {std::string_view("Rar!\x1a\x07\x01\x00", 8), "rar5"}, {std::string_view("Rar!\x1a\x07\x00", 7), "rar4"},
      {std::string_view("7z\xbc\xaf\x27\x1c", 6), "7z"},     {std::string_view("PK\x03\x04", 4), "zip"},
      {std::string_view("MSCF\0\0\0\0", 8), "cab"},
  };
  std::vector<Embedded> out;
  const std::string_view text = as_chars(data);
  for (size_t at = std::min<uint64_t>(from, text.size()); at < text.size() && out.size() < max;) {
    size_t best = std::string_view::npos;
    std::string_view kind;
    for (const auto& s : kSignatures) {
      const size_t hit = text.find(s.magic, at);
      if (hit < best) best = hit, kind = s.kind;
    }
    if (best == std::string_view::npos) break;
    out.push_back({best, std::string(kind)});
    if (kind == "zip") break;  // one zip: its later local headers are its own members, not new archives
    at = best + 1;
  }
  return out;
}

namespace {

// RAR 5 variable-length integer (7 bits a byte, low first, at most 10 bytes).
bool vint(Bytes d, size_t& at, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (at >= d.size()) return false;
    const auto b = static_cast<uint8_t>(d[at++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

constexpr size_t kMaxBlocks = 4096;       // headers walked looking for the comment
constexpr size_t kMaxComment = 64 << 10;  // WinRAR's own limit

std::string rar5_comment(Bytes d, std::string* note) {
  size_t at = 8;
  for (size_t block = 0; block < kMaxBlocks && at + 4 < d.size(); ++block) {
    at += 4;  // header CRC32
    uint64_t header_size = 0, type = 0, flags = 0, extra = 0, data_size = 0;
    size_t p = at;
    if (!vint(d, p, header_size) || header_size > d.size() - p) return "";
    const size_t header_end = p + static_cast<size_t>(header_size);
    if (!vint(d, p, type) || !vint(d, p, flags)) return "";
    if ((flags & 1) && !vint(d, p, extra)) return "";
    if ((flags & 2) && !vint(d, p, data_size)) return "";
    if (data_size > d.size() - header_end) return "";
    if (type == 3) {  // service header: file flags, unpacked size, attributes, [mtime], [crc], compression, os, name
      uint64_t file_flags = 0, unpacked = 0, attributes = 0, compression = 0, os = 0, name_length = 0;
      if (!vint(d, p, file_flags) || !vint(d, p, unpacked) || !vint(d, p, attributes)) return "";
      if (file_flags & 2) p += 4;
      if (file_flags & 4) p += 4;
      if (!vint(d, p, compression) || !vint(d, p, os) || !vint(d, p, name_length)) return "";
      if (p > header_end || name_length > header_end - p) return "";
      const std::string_view name = as_chars(d.subspan(p, static_cast<size_t>(name_length)));
      if (name == "CMT") {
        if ((compression >> 7 & 0x7) != 0) {
          if (note)
            *note = "the RAR comment is compressed (method " + std::to_string(compression >> 7 & 0x7) + "): not read";
          return "";
        }
        return std::string(
            as_chars(d.subspan(header_end, static_cast<size_t>(std::min<uint64_t>(data_size, kMaxComment)))));
      }
    }
    if (type == 2 || type == 5) return "";  // a file header or the end: WinRAR writes the comment before them
    at = header_end + static_cast<size_t>(data_size);
  }
  return "";
}

std::string rar4_comment(Bytes d, std::string* note) {
  size_t at = 7;
  for (size_t block = 0; block < kMaxBlocks && at + 7 <= d.size(); ++block) {
    const uint8_t type = static_cast<uint8_t>(d[at + 2]);
    const uint16_t flags = wire::le16(d, at + 3);
    const uint16_t header_size = wire::le16(d, at + 5);
    if (header_size < 7 || header_size > d.size() - at) return "";
    uint64_t data_size = 0;
    if ((flags & 0x8000) || type == 0x74 || type == 0x7a) {
      if (header_size < 11) return "";
      data_size = wire::le32(d, at + 7);
    }
    if (type == 0x7a && header_size >= 32) {  // NEWSUB_HEAD, laid out as a file header
      const uint8_t method = static_cast<uint8_t>(d[at + 25]);
      const uint16_t name_size = wire::le16(d, at + 26);
      const size_t name_at = at + 32 + ((flags & 0x100) ? 8 : 0);
      if (name_at + name_size <= at + header_size && as_chars(d.subspan(name_at, name_size)) == "CMT") {
        const size_t data_at = at + header_size;
        if (data_size > d.size() - data_at) return "";
        if (method != 0x30) {
          if (note) *note = "the RAR comment is compressed (method 0x" + std::to_string(method - 0x30) + "): not read";
          return "";
        }
        return std::string(
            as_chars(d.subspan(data_at, static_cast<size_t>(std::min<uint64_t>(data_size, kMaxComment)))));
      }
    }
    if (type == 0x74 || type == 0x7b) return "";  // files begin or the archive ends
    if (data_size > d.size() - at - header_size) return "";
    at += header_size + static_cast<size_t>(data_size);
  }
  return "";
}

}  // namespace

std::string comment(Bytes data, std::string* note) {
  const std::string_view text = as_chars(data);
  if (text.starts_with(std::string_view("Rar!\x1a\x07\x01\x00", 8))) return rar5_comment(data, note);
  if (text.starts_with(std::string_view("Rar!\x1a\x07\x00", 7))) return rar4_comment(data, note);
  if (!text.starts_with("PK")) return "";
  // The end-of-central-directory record: the last "PK\5\6" whose comment length reaches exactly to the end.
  const size_t floor = text.size() > (64u << 10) + 22 ? text.size() - (64u << 10) - 22 : 0;
  for (size_t at = text.size() >= 22 ? text.size() - 22 : std::string_view::npos;
       at != std::string_view::npos && at >= floor; --at) {
    if (text.compare(at, 4, std::string_view("PK\x05\x06", 4)) == 0) {
      const uint16_t length = wire::le16(data, at + 20);
      if (at + 22 + length <= text.size()) return std::string(text.substr(at + 22, length));
    }
    if (at == 0) break;
  }
  return "";
}

SfxScript parse_sfx_script(std::string_view comment) {
  // Only WinRAR's own keywords make a script; prose in an ordinary comment does not.
  static constexpr std::string_view kKeywords[] = {"Setup",     "Presetup", "Path",   "SavePath", "Silent",
                                                   "Overwrite", "TempMode", "Title",  "Text",     "License",
                                                   "Update",    "Shortcut", "Delete", "Icon"};
  SfxScript s;
  for_each_line(comment, [&](std::string_view raw, uint64_t) {
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == ';' || s.commands.size() >= 256) return;
    const size_t eq = line.find('=');
    const std::string_view key = trim(line.substr(0, eq));
    const auto keyword = std::find_if(std::begin(kKeywords), std::end(kKeywords),
                                      [&](std::string_view k) { return iequals_ascii(key, k); });
    if (keyword == std::end(kKeywords)) return;
    std::string value(eq == std::string_view::npos ? std::string_view() : trim(line.substr(eq + 1)));
    if (*keyword == "Setup" || *keyword == "Presetup") s.runs.push_back(value);
    if (*keyword == "Path") s.path = value;
    if (*keyword == "Silent") s.silent = value != "0";
    if (*keyword == "Overwrite") s.overwrite = value != "0";
    if (*keyword == "TempMode") s.temp_mode = true;
    s.commands.emplace_back(std::string(key), std::move(value));
  });
  return s;
}

}  // namespace msw::formats::archive
