#include "formats/hosts/hosts_file.h"

#include <limits>

#include "formats/hosts/hosts_limits.h"

namespace msw::formats::hosts {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r'; }

// Characters a resolver would accept in a name; underscores and non-ASCII (IDN typed as UTF-8) are tolerated.
bool is_plausible_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxNameLength) return false;
  for (char c : n) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7F) return false;
  }
  return true;
}

struct LineTokens {
  std::string_view code;  // before '#'
  std::string_view comment;
};

LineTokens split_comment(std::string_view line) {
  size_t hash = line.find('#');
  if (hash == std::string_view::npos) return {line, {}};
  return {line.substr(0, hash), line.substr(hash + 1)};
}

// Calls fn(token, offset_in_line) for each whitespace-separated token of `code`.
template <typename Fn>
void for_each_token(std::string_view code, Fn&& fn) {
  size_t i = 0;
  while (i < code.size()) {
    while (i < code.size() && is_space(code[i])) ++i;
    size_t start = i;
    while (i < code.size() && !is_space(code[i])) ++i;
    if (i > start && !fn(code.substr(start, i - start), start)) return;
  }
}

}  // namespace

Result<HostsFile> parse(Bytes data, std::string_view evidence, Diagnostics& diags) {
  if (data.size() > kMaxFileBytes)
    return Error::make("hosts.too_large", "hosts file is " + std::to_string(data.size()) + " bytes; the cap is " +
                                              std::to_string(kMaxFileBytes));
  HostsFile out;
  DecodedText decoded = decode_text(data);
  out.encoding_ = decoded.encoding;
  if (decoded.replaced > 0)
    diags.add("hosts.bad_encoding", DiagSeverity::Info, std::string(evidence), 0,
              std::to_string(decoded.replaced) + " invalid " + std::string(to_string(decoded.encoding)) +
                  " sequences replaced with U+FFFD");
  *out.text_ = std::move(decoded.utf8);
  const std::string_view text = *out.text_;
  // Offsets are stored as u32: the size cap plus worst-case decoding growth (x3) stays below 4 GiB.
  static_assert(kMaxFileBytes * 3 < std::numeric_limits<uint32_t>::max());

  bool entry_cap_reported = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t end = eol == std::string_view::npos ? text.size() : eol;
    std::string_view line = text.substr(pos, end - pos);
    const auto line_offset = static_cast<uint32_t>(pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++out.lines_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    auto [code, comment] = split_comment(line);
    Entry entry;
    entry.line = out.lines_;
    entry.raw_line = {line_offset, static_cast<uint32_t>(line.size())};
    if (!comment.empty())
      entry.comment = {static_cast<uint32_t>(comment.data() - text.data()), static_cast<uint32_t>(comment.size())};

    bool have_address = false;
    size_t names_on_line = 0;
    entry.first_name = static_cast<uint32_t>(out.names_.size());
    for_each_token(code, [&](std::string_view tok, size_t at) {
      TextRange range{static_cast<uint32_t>(line_offset + at), static_cast<uint32_t>(tok.size())};
      if (!have_address) {
        have_address = true;
        entry.address = range;
        entry.ip = parse_ip(tok);
        if (!entry.ip)
          diags.add("hosts.bad_address", DiagSeverity::Warning, std::string(evidence), line_offset,
                    "line " + std::to_string(entry.line) + ": '" + std::string(tok.substr(0, 64)) +
                        "' is not an IP address; resolvers ignore this line");
        return true;
      }
      if (names_on_line == kMaxNamesPerLine) {
        diags.add("hosts.too_many_names", DiagSeverity::Warning, std::string(evidence), line_offset,
                  "line " + std::to_string(entry.line) + ": more than " + std::to_string(kMaxNamesPerLine) +
                      " names; the rest of the line is not analysed");
        return false;
      }
      if (!is_plausible_name(tok)) {
        diags.add("hosts.bad_name", DiagSeverity::Info, std::string(evidence), line_offset,
                  "line " + std::to_string(entry.line) + ": skipped an implausible host name (" +
                      std::to_string(tok.size()) + " bytes)");
        return true;
      }
      out.names_.push_back(range);
      ++names_on_line;
      return true;
    });
    if (!have_address) continue;  // blank or comment-only line
    entry.name_count = static_cast<uint32_t>(names_on_line);
    if (names_on_line == 0) {
      diags.add("hosts.no_names", DiagSeverity::Info, std::string(evidence), line_offset,
                "line " + std::to_string(entry.line) + ": an address with no host names");
      continue;
    }
    if (out.entries_.size() == kMaxEntries) {
      if (!entry_cap_reported)
        diags.add("hosts.too_many_entries", DiagSeverity::Warning, std::string(evidence), line_offset,
                  "more than " + std::to_string(kMaxEntries) + " entries; later lines are not analysed");
      entry_cap_reported = true;
      out.names_.resize(entry.first_name);
      continue;
    }
    out.entries_.push_back(entry);
  }
  return out;
}

bool looks_like_hosts(Bytes data) {
  if (data.size() > kSniffBytes) data = data.first(kSniffBytes);
  DecodedText decoded = decode_text(data);
  std::string_view text = decoded.utf8;
  // The last line may be cut by the sniff window; ignore it unless the whole file fit.
  if (data.size() == kSniffBytes) {
    size_t nl = text.rfind('\n');
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(0, nl);
  }
  size_t good = 0, bad = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view code = split_comment(line).code;
    size_t tokens = 0;
    bool address_ok = false;
    for_each_token(code, [&](std::string_view tok, size_t) {
      if (tokens++ == 0) address_ok = parse_ip(tok).has_value();
      return tokens < 2;
    });
    if (tokens == 0) continue;
    if (address_ok && tokens >= 2) ++good; else ++bad;
  }
  return good > 0 && bad * 10 <= good;
}

}  // namespace msw::formats::hosts
