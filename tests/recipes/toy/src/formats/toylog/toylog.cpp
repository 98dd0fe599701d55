#include "formats/toylog/toylog.h"

#include "formats/toylog/toylog_limits.h"

namespace msw::formats::toylog {

Result<std::vector<Login>> parse(Bytes data, std::string_view evidence, Diagnostics& diags) {
  if (data.size() > kMaxFileBytes) return Error::make("toylog.too_large", "a toy log is at most 16 MiB");
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (!text.starts_with(kMagic)) return Error::make("toylog.not_a_toylog", "the first line is not \"TOYLOG 1\"");
  std::vector<Login> logins;
  uint64_t line = 1;
  for (size_t at = kMagic.size(); at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(at, end - at);
    ++line;
    const size_t tab1 = row.find('\t');
    const size_t tab2 = tab1 == std::string_view::npos ? tab1 : row.find('\t', tab1 + 1);
    if (!row.empty() &&
        (tab2 == std::string_view::npos || tab1 == 0 || tab1 > kMaxValueBytes || tab2 - tab1 - 1 > kMaxValueBytes)) {
      diags.add("toylog.bad_line", DiagSeverity::Warning, std::string(evidence), at,
                "line " + std::to_string(line) + " is not user<TAB>address<TAB>result; skipped");
    } else if (!row.empty()) {
      if (logins.size() == kMaxLines) {
        diags.add("toylog.too_many_lines", DiagSeverity::Warning, std::string(evidence), at,
                  "more than " + std::to_string(kMaxLines) + " lines; the rest was skipped");
        break;
      }
      logins.push_back(
          {line, at, row.substr(0, tab1), row.substr(tab1 + 1, tab2 - tab1 - 1), row.substr(tab2 + 1) == "ok"});
    }
    at = end + 1;
  }
  return logins;
}

}  // namespace msw::formats::toylog
