// Parser for hosts files (Windows %SystemRoot%\System32\drivers\etc\hosts and Unix /etc/hosts).
//
// Grammar (hosts(5), and Windows' resolver): `address name [name...] [# comment]`, whitespace-separated, `#` starts a
// comment anywhere on a line. The text is decoded first (UTF-8, UTF-16 with BOM, GBK), so offsets are into the
// decoded UTF-8 text, which equals the file's bytes for ASCII/UTF-8 files (the common case).
//
// Never fails on content: malformed lines become diagnostics (hosts.bad_address, hosts.no_names, hosts.bad_name,
// hosts.too_many_names, hosts.too_many_entries) and parsing goes on. Fails only for a file over kMaxFileBytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/ip.h"
#include "core/result.h"
#include "core/text.h"

namespace msw::formats::hosts {

struct TextRange {
  uint32_t offset = 0;
  uint32_t length = 0;
};

struct Entry {
  TextRange address;            // as written
  std::optional<IpAddress> ip;  // nullopt when the address does not parse (the resolver ignores such lines)
  uint32_t first_name = 0;      // index into HostsFile::names
  uint32_t name_count = 0;
  uint32_t line = 0;            // 1-based
  TextRange raw_line;           // the whole line without its end-of-line
  TextRange comment;            // text after '#', may be empty
};

class HostsFile {
 public:
  std::string_view text(TextRange r) const { return std::string_view(*text_).substr(r.offset, r.length); }
  std::span<const TextRange> names(const Entry& e) const { return std::span(names_).subspan(e.first_name, e.name_count); }
  const std::vector<Entry>& entries() const { return entries_; }
  TextEncoding encoding() const { return encoding_; }
  uint32_t line_count() const { return lines_; }

 private:
  friend Result<HostsFile> parse(Bytes, std::string_view, Diagnostics&);
  // Held by pointer so moving a HostsFile never moves the characters the ranges point into.
  std::unique_ptr<std::string> text_ = std::make_unique<std::string>();
  std::vector<Entry> entries_;
  std::vector<TextRange> names_;
  TextEncoding encoding_ = TextEncoding::Utf8;
  uint32_t lines_ = 0;
};

// `evidence` names the file in diagnostics.
Result<HostsFile> parse(Bytes data, std::string_view evidence, Diagnostics& diags);

// True when the start of `data` reads as a hosts file: at least one entry line, and nearly every non-comment line is
// `address name...`. Used to type a single text file handed to `scan` without relying on its name.
bool looks_like_hosts(Bytes data);

}  // namespace msw::formats::hosts
