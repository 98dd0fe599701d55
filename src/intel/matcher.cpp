#include "intel/matcher.h"

#include <algorithm>
#include <array>

#include "core/ip.h"
#include "core/text.h"

namespace msw::intel {
namespace {

// One key space for the exact sets: a type tag, then the value.
std::string key(char tag, std::string_view v) {
  std::string k(1, tag);
  k += v;
  return k;
}
char name_tag(IndicatorType t) { return static_cast<char>('A' + static_cast<int>(t)); }

// Characters of host names, addresses, hashes and base58 wallets: one table lookup per byte of scanned text.
constexpr std::array<bool, 256> kHostChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                                c == '-' || c == '_';
  return t;
}();
bool host_char(char c) { return kHostChar[static_cast<unsigned char>(c)]; }
bool url_end(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '|' || c == ';' ||
         c == '`' || c == ')' || c == '<' || c == '>' || c == '\\' || c == '\0' || c == ',';
}
bool b58(char c) {
  return (c >= '1' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O') || (c >= 'a' && c <= 'z' && c != 'l');
}

}  // namespace

Matcher::Matcher(std::vector<Indicator> indicators) : indicators_(std::move(indicators)) {
  for (uint32_t i = 0; i < indicators_.size(); ++i) {
    const Indicator& ind = indicators_[i];
    switch (ind.type) {
      case IndicatorType::Ip: ip_[ind.value].push_back(i); break;
      case IndicatorType::Cidr: {
        size_t slash = ind.value.find('/');
        auto ip = parse_ip(std::string_view(ind.value).substr(0, slash));
        if (!ip || slash == std::string::npos) break;
        add_cidr(*ip, std::stoi(ind.value.substr(slash + 1)), i);
        any_cidr_ = true;
        break;
      }
      case IndicatorType::Domain:
        (ind.subdomains ? subdomain_ : domain_)[ind.value].push_back(i);
        any_subdomain_ = any_subdomain_ || ind.subdomains;
        break;
      case IndicatorType::Url: url_[ind.value].push_back(i); break;
      case IndicatorType::Md5:
      case IndicatorType::Sha1:
      case IndicatorType::Sha256: hash_[ind.value].push_back(i); break;
      case IndicatorType::Wallet: wallet_[ind.value].push_back(i); break;
      case IndicatorType::Email: email_[ind.value].push_back(i); break;
      default:
        if (ind.regex) {
          if (!regex_within_limits(ind.value)) continue;
          try {
            name_regexes_.emplace_back(std::regex(ind.value, std::regex::icase | std::regex::optimize), i);
          } catch (const std::regex_error&) {
            // A feed's regex the standard library cannot compile: the indicator stays in the store, unmatched.
          }
        } else {
          names_[key(name_tag(ind.type), to_lower_ascii(ind.value))].push_back(i);
        }
    }
  }
  for (const Map* m : {&ip_, &domain_, &subdomain_, &url_, &hash_, &wallet_, &email_, &names_})
    for (const auto& [k, v] : *m) bloom_add(k);
}

void Matcher::add_cidr(const IpAddress& ip, int bits, uint32_t index) {
  auto& trie = ip.v6 ? cidr6_ : cidr4_;
  int32_t node = 0;
  for (int b = 0; b < bits; ++b) {
    const int bit = (ip.bytes[static_cast<size_t>(b / 8)] >> (7 - b % 8)) & 1;
    if (trie[static_cast<size_t>(node)].child[bit] < 0) {
      trie[static_cast<size_t>(node)].child[bit] = static_cast<int32_t>(trie.size());
      trie.emplace_back();
    }
    node = trie[static_cast<size_t>(node)].child[bit];
  }
  trie[static_cast<size_t>(node)].here.push_back(index);
}

void Matcher::emit(const std::vector<uint32_t>* list, std::string_view matched, std::vector<Match>& out) const {
  if (!list) return;
  for (uint32_t i : *list)
    if (std::none_of(out.begin(), out.end(), [&](const Match& m) { return m.indicator == i; }))
      out.push_back({i, std::string(matched)});
}

void Matcher::match_ip(std::string_view text, std::vector<Match>& out) const {
  auto ip = parse_ip(text);
  if (!ip) return;
  // Strict dotted-quad text is already canonical; only IPv6 needs the canonical form built.
  std::string built;
  std::string_view canon = text;
  if (ip->v6 || text.find('%') != std::string_view::npos) {
    built = ip->to_string();
    canon = built;
  }
  emit(find(ip_, canon), canon, out);
  if (!any_cidr_) return;
  const auto& trie = ip->v6 ? cidr6_ : cidr4_;
  const int bits = ip->v6 ? 128 : 32;
  int32_t node = 0;
  for (int b = 0; node >= 0; ++b) {
    emit(&trie[static_cast<size_t>(node)].here, canon, out);
    if (b == bits) break;
    node = trie[static_cast<size_t>(node)].child[(ip->bytes[static_cast<size_t>(b / 8)] >> (7 - b % 8)) & 1];
  }
}

void Matcher::match_domain(std::string_view name, std::vector<Match>& out) const {
  auto d = normalize_value(IndicatorType::Domain, name);
  if (!d) return;
  const std::string& n = *d;
  emit(find(domain_, n), n, out);
  if (!any_subdomain_) return;
  // The name itself and every parent at a label boundary, for "and its subdomains" indicators.
  for (size_t start = 0; start != std::string::npos;) {
    emit(find(subdomain_, std::string_view(n).substr(start)), n, out);
    size_t dot = n.find('.', start);
    start = dot == std::string::npos ? dot : dot + 1;
  }
}

void Matcher::match_url(std::string_view url, std::vector<Match>& out) const {
  auto u = normalize_value(IndicatorType::Url, url);
  if (!u) return;
  std::string_view v = *u;
  // The URL, then without its query and fragment.
  for (std::string_view cand : {v, v.substr(0, v.find_first_of("?#"))}) emit(find(url_, cand), cand, out);
  const size_t host_start = v.find("://") + 3;
  std::string_view host = v.substr(host_start, v.find_first_of("/?#", host_start) - host_start);
  if (size_t at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  if (host.starts_with('[')) {
    match_ip(host.substr(1, host.find(']') - 1), out);
    return;
  }
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  if (parse_ip(host)) match_ip(host, out);
  else match_domain(host, out);
}

void Matcher::match_hash(std::string_view hex, std::vector<Match>& out) const {
  if ((hex.size() != 32 && hex.size() != 40 && hex.size() != 64) || !is_hex(hex)) return;
  char buf[64];
  for (size_t i = 0; i < hex.size(); ++i) buf[i] = (hex[i] >= 'A' && hex[i] <= 'F') ? static_cast<char>(hex[i] + 32) : hex[i];
  const std::string_view h(buf, hex.size());
  emit(find(hash_, h), h, out);
}

void Matcher::match_wallet(std::string_view wallet, std::vector<Match>& out) const {
  emit(find(wallet_, wallet), wallet, out);
}

void Matcher::match_name(IndicatorType type, std::string_view name, std::vector<Match>& out) const {
  if (name.empty()) return;
  emit(find(names_, key(name_tag(type), to_lower_ascii(name))), name, out);
  if (name.size() > kMaxRegexSubject) return;
  for (const auto& [re, i] : name_regexes_)
    if (indicators_[i].type == type && std::regex_search(name.begin(), name.end(), re)) {
      const std::vector<uint32_t> one{i};
      emit(&one, name, out);
    }
}

std::vector<Match> Matcher::lookup(std::string_view value) const {
  std::vector<Match> out;
  const std::string v = refang(value);
  auto type = infer_type(v);
  if (!type) {
    for (auto t : {IndicatorType::FileName, IndicatorType::TaskName, IndicatorType::ServiceName, IndicatorType::WmiName,
                   IndicatorType::Mutex, IndicatorType::RegistryKey})
      match_name(t, v, out);
    return out;
  }
  switch (*type) {
    case IndicatorType::Ip: match_ip(v, out); break;
    case IndicatorType::Domain: match_domain(v, out); break;
    case IndicatorType::Url: match_url(v, out); break;
    case IndicatorType::Md5:
    case IndicatorType::Sha1:
    case IndicatorType::Sha256: match_hash(v, out); break;
    case IndicatorType::Wallet: match_wallet(v, out); break;
    case IndicatorType::Email: emit(find(email_, to_lower_ascii(v)), v, out); break;
    default: break;
  }
  return out;
}

void Matcher::scan_host_token(std::string_view token, std::vector<Match>& out) const {
  while (!token.empty() && (token.front() == '.' || token.front() == '-')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == '.' || token.back() == '-')) token.remove_suffix(1);
  if (token.size() < 3 || token.size() > 253) return;
  bool dot = false, alpha = false, non_hex = false;
  for (char c : token) {
    dot |= c == '.';
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    alpha |= letter;
    non_hex |= (letter && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) || c == '-' || c == '_' || c == '.';
  }
  if (!dot) {
    if (!non_hex && (token.size() == 32 || token.size() == 40 || token.size() == 64)) match_hash(token, out);
    return;
  }
  if (!alpha) {  // digits and dots: an IPv4 address or nothing
    if (!ip_.empty() || any_cidr_)
      if (parse_ip(token)) match_ip(token, out);
    return;
  }
  if (domain_.empty() && subdomain_.empty()) return;
  // Lower-case into a stack buffer: most tokens match nothing, and they should cost no allocation.
  char buf[256];
  for (size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  const std::string_view lower(buf, token.size());
  emit(find(domain_, lower), lower, out);
  if (!any_subdomain_) return;
  for (size_t start = 0; start != std::string_view::npos;) {
    emit(find(subdomain_, lower.substr(start)), lower, out);
    size_t d = lower.find('.', start);
    start = d == std::string_view::npos ? d : d + 1;
  }
}

void Matcher::scan_text(std::string_view text, std::vector<Match>& out) const {
  const size_t n = text.size();
  // URLs first: "scheme://" up to a delimiter.
  for (size_t p = text.find("://"); p != std::string_view::npos; p = text.find("://", p + 3)) {
    size_t s = p;
    while (s > 0 && ((text[s - 1] >= 'a' && text[s - 1] <= 'z') || (text[s - 1] >= 'A' && text[s - 1] <= 'Z'))) --s;
    size_t e = p + 3;
    while (e < n && !url_end(text[e])) ++e;
    if (s < p && e > p + 3 && e - s < 4096) match_url(text.substr(s, e - s), out);
  }
  // Host-, address- and hash-shaped tokens, and base58 wallets.
  for (size_t i = 0; i < n;) {
    if (!host_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && host_char(text[j])) ++j;
    // IPv6 literals contain ':' — extend over hex digits and colons when the token looks like one.
    size_t k = j;
    if (k < n && text[k] == ':') {
      while (k < n && (is_hex(text.substr(k, 1)) || text[k] == ':' || text[k] == '.')) ++k;
      if (std::count(text.begin() + static_cast<std::ptrdiff_t>(i), text.begin() + static_cast<std::ptrdiff_t>(k), ':') >= 2 &&
          parse_ip(text.substr(i, k - i)))
        match_ip(text.substr(i, k - i), out);
    }
    std::string_view tok = text.substr(i, j - i);
    scan_host_token(tok, out);
    // A wallet, alone or as a pool login with a worker name ("4Abc….rig1").
    std::string_view w = tok.substr(0, tok.find('.'));
    if ((w.size() == 95 || w.size() == 106 || (w.size() >= 26 && w.size() <= 35)) && std::all_of(w.begin(), w.end(), b58))
      match_wallet(w, out);
    i = j;
  }
}

}  // namespace msw::intel
