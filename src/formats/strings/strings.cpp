#include "formats/strings/strings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <utility>

#include "core/hash.h"
#include "core/text.h"

namespace msw::formats::strings {
namespace {

bool printable(uint8_t c) { return (c >= 0x20 && c < 0x7F) || c == '\t'; }

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool url_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~:/?#[]@!$&*+,;=%").find(c) != std::string_view::npos;
}

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }

// Top-level domains that are also file extensions ("payload.sh", "run.py", "x.zip") or English words ("fail.to",
// "it.is"): in a binary's bare strings these are far more often not hosts. URLs and e-mail addresses still accept them.
constexpr std::string_view kExtensionTlds[] = {"py", "sh", "so", "pl", "ps", "zip", "mov", "cat", "rs", "cs", "md",
                                               "pm", "ko", "db", "in", "to", "is",  "it",  "am",  "do", "me", "dev"};

// A dotted quad that is a host address: not 0.x or multicast and above, and not x.y.0.0, which in a binary is an
// assembly or file version ("1.0.0.0", "4.0.0.0") far more often than a network.
bool valid_ipv4(std::string_view s) {
  if (s.ends_with(".0.0")) return false;
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || j - i > 3) return false;
    int v = 0;
    for (size_t k = i; k < j; ++k) v = v * 10 + (s[k] - '0');
    if (v > 255 || (j - i > 1 && s[i] == '0')) return false;
    if (parts == 0 && (v == 0 || v >= 224)) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

// A dotted quad the text calls a version ("version 1.1.0.14", "FileVersion: 2.3.0.1", "build=10.0.19.1"): the word
// just before it, past blanks and quotes and one ':' or '=', says so.
bool named_as_version(std::string_view before) {
  auto trim = [&] {
    while (!before.empty() && std::string_view(" \t\"'").find(before.back()) != std::string_view::npos)
      before.remove_suffix(1);
  };
  trim();
  if (!before.empty() && (before.back() == ':' || before.back() == '=')) before.remove_suffix(1);
  trim();
  size_t start = before.size();
  while (start > 0 && std::isalpha(static_cast<unsigned char>(before[start - 1]))) --start;
  const std::string_view word = before.substr(start);
  for (std::string_view w : {"v", "ver", "build", "release", "rev", "revision"})
    if (iequals_ascii(word, w)) return true;
  return iends_with_ascii(word, "version");
}

// A host name whose labels are well-formed and whose TLD exists (and is no file extension in disguise).
bool valid_domain(std::string_view s, const TldCheck& tld_exists, bool allow_extension_tlds) {
  if (s.size() < 4 || s.size() > 253 || s.front() == '.' || s.back() == '.' || s.front() == '-') return false;
  size_t labels = 0;
  for (size_t i = 0; i <= s.size();) {
    size_t j = s.find('.', i);
    if (j == std::string_view::npos) j = s.size();
    const size_t n = j - i;
    if (n == 0 || n > 63 || s[i] == '-' || s[j - 1] == '-') return false;
    ++labels;
    i = j + 1;
    if (j == s.size()) break;
  }
  if (labels < 2) return false;
  const std::string tld = lowered(s.substr(s.rfind('.') + 1));
  if (std::all_of(tld.begin(), tld.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  if (!allow_extension_tlds &&
      std::find(std::begin(kExtensionTlds), std::end(kExtensionTlds), tld) != std::end(kExtensionTlds))
    return false;
  return tld_exists(tld);
}

constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

bool base58(std::string_view s) { return s.find_first_not_of(kBase58) == std::string_view::npos; }

// A Base58Check Bitcoin address: 25 bytes whose last four are the double SHA-256 of the first 21.
bool bitcoin_base58(std::string_view s) {
  if (s.size() < 26 || s.size() > 35 || (s[0] != '1' && s[0] != '3') || !base58(s)) return false;
  std::array<uint8_t, 25> out{};
  for (char c : s) {
    uint32_t carry = static_cast<uint32_t>(kBase58.find(c));
    for (size_t i = out.size(); i-- > 0;) {
      carry += 58u * out[i];
      out[i] = static_cast<uint8_t>(carry & 0xFF);
      carry >>= 8;
    }
    if (carry) return false;  // more than 25 bytes
  }
  const std::string first = sha256_hex(Bytes(reinterpret_cast<const std::byte*>(out.data()), 21));
  std::array<std::byte, 32> raw{};
  for (size_t i = 0; i < 32; ++i) raw[i] = static_cast<std::byte>(std::stoi(first.substr(i * 2, 2), nullptr, 16));
  const std::string second = sha256_hex(Bytes(raw.data(), raw.size()));
  for (size_t i = 0; i < 4; ++i)
    if (static_cast<int>(out[21 + i]) != std::stoi(second.substr(i * 2, 2), nullptr, 16)) return false;
  return true;
}

std::string wallet_kind(std::string_view t) {
  if ((t.size() == 95 || t.size() == 106) && (t[0] == '4' || t[0] == '8') && base58(t)) return "monero";
  if (t.size() == 42 && t.starts_with("0x") &&
      std::all_of(t.begin() + 2, t.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return "ethereum";
  if (t.size() >= 42 && t.size() <= 62 && t.starts_with("bc1") &&
      t.substr(3).find_first_not_of("qpzry9x8gf2tvdw0s3jn54khce6mua7l") == std::string_view::npos)
    return "bitcoin";
  if (bitcoin_base58(t)) return "bitcoin";
  return {};
}

// The decoded text when `s` is base64 of mostly printable text (UTF-16LE text, as PowerShell's -EncodedCommand
// carries, is narrowed); "" otherwise.
std::string decode_base64_text(std::string_view s) {
  const auto decoded = decode_base64(s);
  if (!decoded) return {};
  const std::string& raw = *decoded;
  const std::string out =
      raw.size() >= 4 && raw[1] == '\0' && raw[3] == '\0' ? utf16le_to_utf8(as_bytes(raw)).utf8 : raw;
  const size_t good = static_cast<size_t>(std::count_if(
      out.begin(), out.end(), [](char c) { return printable(static_cast<uint8_t>(c)) || c == '\n' || c == '\r'; }));
  return !out.empty() && good * 10 >= out.size() * 9 ? out : std::string();
}

class Finder {
 public:
  Finder(const TldCheck& tld, std::vector<Ioc>& out) : tld_(tld), out_(out) {}

  void scan(std::string_view raw, uint64_t offset, int depth) {
    // Defanged text ("hxxp://", "[.]") reads as the indicator it stands for.
    const bool defanged = raw.find('[') != std::string_view::npos || raw.find('(') != std::string_view::npos ||
                          raw.find("xxp") != std::string_view::npos || raw.find("XXp") != std::string_view::npos;
    const std::string refanged = defanged ? refang_text(raw) : std::string();
    const std::string_view text = defanged ? std::string_view(refanged) : raw;
    urls(text, offset);
    emails(text, offset);
    tokens(text, offset, depth);
    registry(text, offset);
  }

 private:
  void add(IocKind kind, std::string value, uint64_t offset, std::string detail = {}) {
    if (out_.size() >= kMaxIocs) return;
    if (!seen_.emplace(kind, value).second) return;
    out_.push_back({kind, std::move(value), offset, std::move(detail)});
  }

  void urls(std::string_view t, uint64_t offset) {
    for (size_t at = t.find("://"); at != std::string_view::npos; at = t.find("://", at + 3)) {
      size_t start = at;
      while (start > 0 &&
             (std::isalnum(static_cast<unsigned char>(t[start - 1])) || t[start - 1] == '+' || t[start - 1] == '-'))
        --start;
      std::string scheme = lowered(t.substr(start, at - start));
      if (scheme == "hxxp" || scheme == "hxxps") scheme.replace(0, 4, "http");  // defanged in a report's style
      const bool pool = scheme.starts_with("stratum");
      if (!pool && scheme != "http" && scheme != "https" && scheme != "ftp") continue;
      size_t end = at + 3;
      while (end < t.size() && url_char(t[end])) ++end;
      std::string_view rest = t.substr(at + 3, end - at - 3);
      while (!rest.empty() && std::string_view(".,;:)'\"]").find(rest.back()) != std::string_view::npos)
        rest.remove_suffix(1);
      size_t host_end = 0;
      while (host_end < rest.size() && host_char(rest[host_end])) ++host_end;
      const std::string_view host = rest.substr(0, host_end);
      if (!valid_ipv4(host) && !valid_domain(host, tld_, true)) continue;
      add(pool ? IocKind::PoolUrl : IocKind::Url, scheme + "://" + std::string(rest), offset);
      add(valid_ipv4(host) ? IocKind::Ipv4 : IocKind::Domain, lowered(host), offset);
    }
  }

  void emails(std::string_view t, uint64_t offset) {
    for (size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
      size_t start = at;
      while (start > 0 && (std::isalnum(static_cast<unsigned char>(t[start - 1])) ||
                           std::string_view("._%+-").find(t[start - 1]) != std::string_view::npos))
        --start;
      size_t end = at + 1;
      while (end < t.size() && host_char(t[end])) ++end;
      std::string_view domain = t.substr(at + 1, end - at - 1);
      while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
      if (start == at || !valid_domain(domain, tld_, false)) continue;
      add(IocKind::Email, lowered(t.substr(start, at - start)) + "@" + lowered(domain), offset);
      add(IocKind::Domain, lowered(domain), offset);
    }
  }

  void tokens(std::string_view t, uint64_t offset, int depth) {
    size_t i = 0;
    while (i < t.size()) {
      // Host-like tokens: addresses and names.
      if (host_char(t[i]) && (i == 0 || !host_char(t[i - 1]))) {
        size_t j = i;
        while (j < t.size() && host_char(t[j])) ++j;
        std::string_view tok = t.substr(i, j - i);
        while (!tok.empty() && (tok.back() == '.' || tok.back() == '-')) tok.remove_suffix(1);
        const bool after_at = i > 0 && t[i - 1] == '@';
        const bool in_url = i >= 3 && t.substr(0, i).ends_with("://");
        if (!after_at && !in_url && j < t.size() + 1) {
          if (valid_ipv4(tok)) {
            if (!named_as_version(t.substr(0, i))) add(IocKind::Ipv4, std::string(tok), offset);
          } else if (tok.find('.') != std::string_view::npos && valid_domain(tok, tld_, false)) {
            add(IocKind::Domain, lowered(tok), offset);
          }
        }
      }
      // Wallet- and base64-like tokens: runs of base64/base58 characters.
      if (std::isalnum(static_cast<unsigned char>(t[i])) && (i == 0 || !is_base64_char(t[i - 1]))) {
        size_t j = i;
        while (j < t.size() && (is_base64_char(t[j]) || t[j] == '=')) ++j;
        const std::string_view tok = t.substr(i, j - i);
        if (tok.size() >= 26 && tok.size() <= 106)
          if (auto kind = wallet_kind(tok); !kind.empty()) add(IocKind::Wallet, std::string(tok), offset, kind);
        if (tok.size() >= kMinBase64 && tok.size() % 4 == 0 && depth == 0) {
          if (std::string text = decode_base64_text(tok); !text.empty()) {
            add(IocKind::Base64, std::string(tok.substr(0, 64)) + (tok.size() > 64 ? "…" : ""), offset,
                text.substr(0, 200));
            scan(text, offset, depth + 1);  // what the blob hides, one level deep
          }
        }
        i = std::max(j, i + 1);
        continue;
      }
      ++i;
    }
  }

  void registry(std::string_view t, uint64_t offset) {
    for (std::string_view root :
         {"HKEY_LOCAL_MACHINE\\", "HKEY_CURRENT_USER\\", "HKLM\\", "HKCU\\",
          "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", "SYSTEM\\CurrentControlSet\\Services\\"}) {
      const std::string hay = lowered(t);
      const size_t at = hay.find(lowered(root));
      if (at == std::string::npos || (at > 0 && std::isalnum(static_cast<unsigned char>(t[at - 1])))) continue;
      size_t end = at;
      while (end < t.size() && t[end] != '"' && t[end] != '\'' && t[end] != '\0') ++end;
      std::string_view v = t.substr(at, end - at);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      add(IocKind::RegistryPath, std::string(v.substr(0, 512)), offset);
      return;
    }
  }

  const TldCheck& tld_;
  std::vector<Ioc>& out_;
  std::set<std::pair<IocKind, std::string>> seen_;
};

}  // namespace

std::string_view to_string(IocKind k) {
  switch (k) {
    case IocKind::Url:
      return "url";
    case IocKind::PoolUrl:
      return "pool_url";
    case IocKind::Domain:
      return "domain";
    case IocKind::Ipv4:
      return "ip";
    case IocKind::Email:
      return "email";
    case IocKind::Wallet:
      return "wallet";
    case IocKind::RegistryPath:
      return "registry_path";
    case IocKind::Base64:
      return "base64";
  }
  return "url";
}

Extraction extract(Bytes data, size_t min_length) {
  Extraction x;
  min_length = std::max<size_t>(min_length, 2);
  auto push = [&](uint64_t offset, bool utf16, std::string&& text) {
    if (x.strings.size() >= kMaxStrings) {
      x.truncated = true;
      return false;
    }
    x.strings.push_back({offset, utf16, std::move(text)});
    return true;
  };
  std::string run;
  uint64_t start = 0;
  for (size_t i = 0; i <= data.size(); ++i) {
    const bool ok = i < data.size() && printable(static_cast<uint8_t>(data[i])) && run.size() < kMaxStringLength;
    if (ok) {
      if (run.empty()) start = i;
      run += static_cast<char>(data[i]);
      continue;
    }
    if (run.size() >= min_length && !push(start, false, std::move(run))) return x;
    run.clear();
    if (i < data.size() && printable(static_cast<uint8_t>(data[i]))) {  // cut at the length limit: continue
      start = i;
      run += static_cast<char>(data[i]);
    }
  }
  run.clear();
  for (size_t i = 0; i + 1 < data.size();) {
    if (printable(static_cast<uint8_t>(data[i])) && data[i + 1] == std::byte{0}) {
      const size_t begin = i;
      while (i + 1 < data.size() && printable(static_cast<uint8_t>(data[i])) && data[i + 1] == std::byte{0} &&
             run.size() < kMaxStringLength) {
        run += static_cast<char>(data[i]);
        i += 2;
      }
      if (run.size() >= min_length && !push(begin, true, std::move(run))) return x;
      run.clear();
      continue;
    }
    ++i;
  }
  return x;
}

std::vector<Ioc> find_iocs(const std::vector<FoundString>& strings, const TldCheck& tld_exists) {
  std::vector<Ioc> out;
  Finder f(tld_exists, out);
  for (const auto& s : strings) {
    if (out.size() >= kMaxIocs) break;
    f.scan(s.text, s.offset, 0);
  }
  return out;
}

}  // namespace msw::formats::strings
