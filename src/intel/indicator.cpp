#include "intel/indicator.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/ip.h"
#include "core/text.h"

namespace msw::intel {

namespace {
constexpr std::array<std::pair<IndicatorType, std::string_view>, 16> kNames{{
    {IndicatorType::Ip, "ip"},
    {IndicatorType::Cidr, "cidr"},
    {IndicatorType::Domain, "domain"},
    {IndicatorType::Url, "url"},
    {IndicatorType::Md5, "md5"},
    {IndicatorType::Sha1, "sha1"},
    {IndicatorType::Sha256, "sha256"},
    {IndicatorType::FileName, "filename"},
    {IndicatorType::PathPattern, "path_pattern"},
    {IndicatorType::TaskName, "task"},
    {IndicatorType::ServiceName, "service"},
    {IndicatorType::WmiName, "wmi"},
    {IndicatorType::RegistryKey, "registry"},
    {IndicatorType::Mutex, "mutex"},
    {IndicatorType::Wallet, "wallet"},
    {IndicatorType::Email, "email"},
}};

bool all_of(std::string_view s, bool (*pred)(char)) { return !s.empty() && std::all_of(s.begin(), s.end(), pred); }
bool is_b58(char c) {
  return (c >= '1' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O') || (c >= 'a' && c <= 'z' && c != 'l');
}
bool is_label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; }

}  // namespace

std::string_view to_string(IndicatorType t) {
  for (const auto& [k, n] : kNames)
    if (k == t) return n;
  return "domain";
}

std::optional<IndicatorType> indicator_type_from_string(std::string_view s) {
  const std::string l = to_lower_ascii(s);
  for (const auto& [k, n] : kNames)
    if (n == l) return k;
  if (l == "ipv4" || l == "ipv6" || l == "ip-dst" || l == "ip-src" || l == "ipv4-addr" || l == "ipv6-addr")
    return IndicatorType::Ip;
  if (l == "hostname" || l == "domain-name" || l == "fqdn") return IndicatorType::Domain;
  if (l == "sha-256") return IndicatorType::Sha256;
  if (l == "sha-1") return IndicatorType::Sha1;
  if (l == "filename" || l == "file" || l == "file_name") return IndicatorType::FileName;
  if (l == "regkey" || l == "windows-registry-key") return IndicatorType::RegistryKey;
  if (l == "email-src" || l == "email-dst" || l == "email-addr") return IndicatorType::Email;
  if (l == "btc" || l == "xmr" || l == "monero") return IndicatorType::Wallet;
  return std::nullopt;
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool regex_within_limits(std::string_view pattern) {
  if (pattern.size() > kMaxRegexPattern) return false;
  // Counted repetition: std::regex unrolls {n,m} into states, and a repetition of a group that holds one multiplies
  // — a{99999999} or (a{300}){300} is gigabytes. Each bound is capped, and so is the product along every chain of
  // nested groups; repetitions one after the other only add (a GUID's [0-9a-f]{8}-...-[0-9a-f]{12} is cheap).
  std::vector<uint64_t> group_max{1};  // per open group: the largest product inside it so far
  uint64_t last = 1;                   // the atom just read: a closed group's product, else 1
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
      last = 1;
    } else if (c == '[') {  // a class is one atom, whatever it holds
      for (++i; i < pattern.size() && pattern[i] != ']'; ++i)
        if (pattern[i] == '\\') ++i;
      last = 1;
    } else if (c == '(') {
      if (static_cast<int>(group_max.size()) > kMaxRegexNesting) return false;
      group_max.push_back(1);
      last = 1;
    } else if (c == ')') {
      if (group_max.size() > 1) {
        last = group_max.back();
        group_max.pop_back();
        group_max.back() = std::max(group_max.back(), last);
      }
    } else if (c == '{') {
      uint64_t n = 0, largest = 0;
      size_t j = i + 1;
      for (; j < pattern.size() && pattern[j] != '}'; ++j) {
        if (pattern[j] == ',') {
          n = 0;
          continue;
        }
        if (pattern[j] < '0' || pattern[j] > '9') break;
        n = n * 10 + static_cast<uint64_t>(pattern[j] - '0');
        if (n > kMaxRegexRepeat) return false;
        largest = std::max(largest, n);
      }
      if (j >= pattern.size() || pattern[j] != '}') {  // a literal brace
        last = 1;
        continue;
      }
      const uint64_t product = last * std::max<uint64_t>(largest, 1);
      if (product > kMaxRegexRepeat * 4) return false;
      group_max.back() = std::max(group_max.back(), product);
      last = 1;
      i = j;
    } else {
      last = 1;
    }
  }
  return true;
}

std::string refang(std::string_view in) {
  std::string s(in);
  if (s.starts_with("\xEF\xBB\xBF")) s.erase(0, 3);
  s = std::string(trim(s));
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  s = refang_text(s);
  const std::string lower = to_lower_ascii(s.substr(0, 8));
  for (auto [from, to] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"hxxps", "https"}, {"hxxp", "http"}, {"hXXps", "https"}, {"hXXp", "http"}, {"fxp", "ftp"}})
    if (lower.starts_with(to_lower_ascii(from))) {
      s.replace(0, from.size(), to);
      break;
    }
  return s;
}

std::optional<std::string> punycode_label(std::string_view label) {
  // Decode UTF-8 into code points.
  std::vector<char32_t> cps;
  for (size_t i = 0; i < label.size();) {
    const size_t n = utf8_sequence_length(label, i);
    if (n == 0) return std::nullopt;
    const auto b0 = static_cast<unsigned char>(label[i]);
    char32_t cp = n == 1 ? b0 : n == 2 ? b0 & 0x1F : n == 3 ? b0 & 0x0F : b0 & 0x07;
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(label[i + k]) & 0x3F);
    cps.push_back(cp);
    i += n;
  }
  std::string out;
  for (char32_t c : cps)
    if (c < 0x80) out += static_cast<char>(c);
  const size_t basic = out.size();
  if (basic == cps.size()) return std::string(label);
  if (basic > 0) out += '-';
  constexpr uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
  auto digit = [](uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  auto adapt = [&](uint32_t delta, uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
      delta /= kBase - kTmin;
      k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
  };
  uint32_t n = 128, delta = 0, bias = 72, h = static_cast<uint32_t>(basic);
  while (h < cps.size()) {
    uint32_t m = UINT32_MAX;
    for (char32_t c : cps)
      if (c >= n && c < m) m = c;
    if (static_cast<uint64_t>(m - n) * (h + 1) + delta > UINT32_MAX) return std::nullopt;
    delta += (m - n) * (h + 1);
    n = m;
    for (char32_t c : cps) {
      if (c < n) ++delta;
      if (c == n) {
        uint32_t q = delta;
        for (uint32_t k = kBase;; k += kBase) {
          const uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
          if (q < t) break;
          out += digit(t + (q - t) % (kBase - t));
          q = (q - t) / (kBase - t);
        }
        out += digit(q);
        bias = adapt(delta, h + 1, h == basic);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  return "xn--" + out;
}

std::optional<std::string> idn_to_ascii(std::string_view name) {
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, (dot == std::string_view::npos ? name.size() : dot) - start);
    auto a = punycode_label(label);
    if (!a) return std::nullopt;
    out += *a;
    if (dot == std::string_view::npos) break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

Result<std::string> normalize_value(IndicatorType type, std::string_view raw) {
  auto bad = [](std::string why) { return Error::make("intel.bad_value", std::move(why)); };
  std::string v = refang(raw);
  if (v.empty()) return bad("empty value");
  if (v.size() > 4096) return bad("longer than 4096 characters");
  switch (type) {
    case IndicatorType::Md5:
    case IndicatorType::Sha1:
    case IndicatorType::Sha256: {
      const size_t want = type == IndicatorType::Md5 ? 32 : type == IndicatorType::Sha1 ? 40 : 64;
      if (v.size() != want || !is_hex(v)) return bad("not a " + std::string(to_string(type)) + " hash");
      return to_lower_ascii(v);
    }
    case IndicatorType::Ip: {
      std::string_view host = v;
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      auto ip = parse_ip(host);
      if (!ip) return bad("not an IP address");
      return ip->to_string();
    }
    case IndicatorType::Cidr: {
      size_t slash = v.find('/');
      if (slash == std::string::npos) {
        auto ip = parse_ip(v);
        if (!ip) return bad("not a network");
        return ip->to_string() + (ip->v6 ? "/128" : "/32");
      }
      auto ip = parse_ip(std::string_view(v).substr(0, slash));
      std::string_view len = std::string_view(v).substr(slash + 1);
      if (!ip || len.empty() || len.size() > 3 || !all_of(len, [](char c) { return c >= '0' && c <= '9'; }))
        return bad("not a network");
      const int bits = std::stoi(std::string(len));
      if (bits > (ip->v6 ? 128 : 32)) return bad("prefix longer than the address");
      return ip->to_string() + "/" + std::to_string(bits);
    }
    case IndicatorType::Domain: {
      std::string d = v;
      if (d.starts_with("*.")) d = d.substr(2);
      while (!d.empty() && d.back() == '.') d.pop_back();
      auto ascii = idn_to_ascii(d);
      if (!ascii) return bad("not valid UTF-8");
      d = to_lower_ascii(*ascii);
      if (d.empty() || d.size() > 253 || d.find('.') == std::string::npos) return bad("not a domain name");
      for (char c : d)
        if (!is_label_char(c) && c != '.') return bad("character not allowed in a domain name");
      if (d.find("..") != std::string::npos || d.front() == '.' || d.front() == '-') return bad("empty or bad label");
      if (parse_ip(d)) return bad("an IP address, not a domain");
      return d;
    }
    case IndicatorType::Url: {
      size_t scheme = v.find("://");
      if (scheme == std::string::npos || scheme == 0 || scheme > 10) return bad("not a URL (no scheme)");
      std::string out = to_lower_ascii(v.substr(0, scheme)) + "://";
      std::string rest = v.substr(scheme + 3);
      size_t host_end = rest.find_first_of("/?#");
      std::string host = rest.substr(0, host_end);
      if (host.empty()) return bad("URL without a host");
      out += to_lower_ascii(host);
      if (host_end != std::string::npos) out += rest.substr(host_end);
      return out;
    }
    case IndicatorType::Email: {
      size_t at = v.find('@');
      if (at == std::string::npos || at == 0 || at + 1 >= v.size()) return bad("not an e-mail address");
      return to_lower_ascii(v);
    }
    case IndicatorType::Wallet:
      if (v.size() < 26 || v.size() > 120 || v.find_first_of(" \t") != std::string::npos)
        return bad("not a wallet address");
      return v;  // case matters in base58
    case IndicatorType::FileName:
    case IndicatorType::TaskName:
    case IndicatorType::ServiceName:
    case IndicatorType::WmiName:
    case IndicatorType::RegistryKey:
    case IndicatorType::Mutex:
    case IndicatorType::PathPattern:
      return v;
  }
  return v;
}

std::optional<IndicatorType> infer_type(std::string_view raw) {
  const std::string v = refang(raw);
  if (v.empty() || v.find_first_of(" \t") != std::string::npos) return std::nullopt;
  if (is_hex(v)) {
    if (v.size() == 32) return IndicatorType::Md5;
    if (v.size() == 40) return IndicatorType::Sha1;
    if (v.size() == 64) return IndicatorType::Sha256;
  }
  if (v.find("://") != std::string::npos) return IndicatorType::Url;
  if (parse_ip(v)) return IndicatorType::Ip;
  if (v.find('/') != std::string::npos && normalize_value(IndicatorType::Cidr, v)) return IndicatorType::Cidr;
  if (v.find('@') != std::string::npos) return IndicatorType::Email;
  // Monero (4/8…, 95 or 106 base58) and Bitcoin (1…/3… base58, bc1… bech32).
  if (((v[0] == '4' || v[0] == '8') && (v.size() == 95 || v.size() == 106) && all_of(v, is_b58)) ||
      ((v[0] == '1' || v[0] == '3') && v.size() >= 26 && v.size() <= 35 && all_of(v, is_b58)) ||
      (v.starts_with("bc1") && v.size() >= 42 && v.size() <= 62))
    return IndicatorType::Wallet;
  if (normalize_value(IndicatorType::Domain, v)) return IndicatorType::Domain;
  return std::nullopt;
}

}  // namespace msw::intel
