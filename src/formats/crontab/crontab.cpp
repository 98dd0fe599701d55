#include "formats/crontab/crontab.h"

#include "core/text.h"

namespace msw::formats::crontab {
namespace {

// Splits off the next whitespace-delimited word; returns it and advances `rest`.
std::string_view next_word(std::string_view& rest) {
  rest = trim(rest);
  size_t end = rest.find_first_of(" \t");
  std::string_view w = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return w;
}

bool is_assignment(std::string_view line) {
  size_t eq = line.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  std::string_view name = trim(line.substr(0, eq));
  return !name.empty() && name.find_first_of(" \t") == std::string_view::npos && name[0] != '@' && name[0] != '*' &&
         !(name[0] >= '0' && name[0] <= '9');
}

}  // namespace

Result<Crontab> parse(Bytes data, bool system_format, std::string_view evidence, Diagnostics& diags) {
  if (data.size() > kMaxFileBytes)
    return Error::make("crontab.too_large", "crontab is " + std::to_string(data.size()) + " bytes; the cap is " +
                                                std::to_string(kMaxFileBytes));
  DecodedText text = decode_text(data);
  std::string_view all = text.utf8;
  Crontab out;
  uint32_t line_no = 0;
  for (size_t pos = 0; pos < all.size();) {
    const size_t start = pos;
    size_t eol = all.find('\n', pos);
    std::string_view line = all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos);
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    ++line_no;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (is_assignment(line)) {
      size_t eq = line.find('=');
      out.environment.emplace_back(std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))));
      continue;
    }
    Entry e;
    e.line = line_no;
    e.offset = start;
    e.raw = std::string(line.substr(0, 4096));
    std::string_view rest = line;
    if (line[0] == '@') {
      e.schedule = std::string(next_word(rest));
    } else {
      for (int i = 0; i < 5; ++i) {
        std::string_view w = next_word(rest);
        if (w.empty()) break;
        if (!e.schedule.empty()) e.schedule += ' ';
        e.schedule += w;
      }
    }
    if (system_format) e.user = std::string(next_word(rest));
    e.command = std::string(trim(rest));
    if (e.command.empty()) {
      diags.add("crontab.bad_line", DiagSeverity::Info, std::string(evidence), start,
                "line " + std::to_string(line_no) + ": no command after the schedule");
      continue;
    }
    if (out.entries.size() == kMaxEntries) {
      diags.add("crontab.too_many_entries", DiagSeverity::Warning, std::string(evidence), start,
                "more than " + std::to_string(kMaxEntries) + " entries; the rest are not analysed");
      break;
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace msw::formats::crontab
