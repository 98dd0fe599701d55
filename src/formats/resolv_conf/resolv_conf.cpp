#include "formats/resolv_conf/resolv_conf.h"

#include "core/text.h"

namespace msw::formats::resolv_conf {

Result<ResolvConf> parse(Bytes data, std::string_view evidence, Diagnostics& diags) {
  if (data.size() > kMaxFileBytes)
    return Error::make("resolv.too_large", "resolv.conf is " + std::to_string(data.size()) + " bytes; the cap is " +
                                               std::to_string(kMaxFileBytes));
  DecodedText text = decode_text(data);
  std::string_view all = text.utf8;
  ResolvConf out;
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < all.size()) {
    const size_t line_start = pos;
    size_t eol = all.find('\n', pos);
    std::string_view line = all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos);
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    ++line_no;
    if (size_t c = line.find_first_of("#;"); c != std::string_view::npos) line = line.substr(0, c);
    auto w = split_words(line);
    if (w.empty()) continue;
    if (w[0] == "nameserver" && w.size() >= 2) {
      if (out.nameservers.size() == kMaxNameservers) {
        diags.add("resolv.too_many_nameservers", DiagSeverity::Warning, std::string(evidence), line_start,
                  "more than " + std::to_string(kMaxNameservers) + " nameserver lines; the rest are ignored");
        continue;
      }
      Nameserver ns{std::string(w[1].substr(0, 64)), parse_ip(w[1]), line_no};
      if (!ns.ip)
        diags.add("resolv.bad_nameserver", DiagSeverity::Info, std::string(evidence), line_start,
                  "line " + std::to_string(line_no) + ": nameserver is not an IP address");
      out.nameservers.push_back(std::move(ns));
    } else if ((w[0] == "search" || w[0] == "domain") && w.size() >= 2) {
      for (size_t i = 1; i < w.size() && out.search.size() < 64; ++i) out.search.emplace_back(w[i]);
    } else if (w[0] == "options") {
      for (size_t i = 1; i < w.size() && out.options.size() < 64; ++i) out.options.emplace_back(w[i]);
    }
  }
  return out;
}

}  // namespace msw::formats::resolv_conf
