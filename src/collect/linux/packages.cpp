#include "collect/linux/packages.h"

#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "core/gzip.h"
#include "core/lz4.h"
#include "core/text.h"

namespace msw::collect::linux {
namespace {

constexpr size_t kMaxListBytes = size_t{256} << 20;

int order(char c) {
  if (std::isdigit(static_cast<unsigned char>(c))) return 0;
  if (std::isalpha(static_cast<unsigned char>(c))) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

int verrevcmp(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !digit(a[i])) || (j < b.size() && !digit(b[j]))) {
      const int ac = order(at(a, i)), bc = order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (digit(at(a, i)) && digit(at(b, j))) {
      if (!first_diff) first_diff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (digit(at(a, i))) return 1;
    if (digit(at(b, j))) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct Version {
  uint64_t epoch = 0;
  std::string_view upstream, revision;
};
Version split(std::string_view v) {
  Version out;
  if (const size_t c = v.find(':'); c != std::string_view::npos) {
    out.epoch = parse_u64(v.substr(0, c)).value_or(0);
    v = v.substr(c + 1);
  }
  if (const size_t d = v.rfind('-'); d != std::string_view::npos) {
    out.revision = v.substr(d + 1);
    v = v.substr(0, d);
  }
  out.upstream = v;
  return out;
}

// Calls fn(fields) for each stanza of a Debian control file (Package/Version/Status/Architecture only).
template <typename Fn>
void stanzas(std::string_view text, Fn&& fn) {
  std::map<std::string_view, std::string_view> f;
  for_each_line(text, [&](std::string_view line, uint64_t) {
    if (line.empty()) {
      if (!f.empty()) fn(f);
      f.clear();
      return;
    }
    if (line[0] == ' ' || line[0] == '\t') return;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = line.substr(0, colon);
    if (key == "Package" || key == "Version" || key == "Status" || key == "Architecture") f[key] = trim(line.substr(colon + 1));
  });
  if (!f.empty()) fn(f);
}

}  // namespace

int compare_debian_versions(std::string_view a, std::string_view b) {
  const Version x = split(a), y = split(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int c = verrevcmp(x.upstream, y.upstream)) return c;
  return verrevcmp(x.revision, y.revision);
}

std::optional<std::string> security_updates_jsonl(const HostView& host) {
  auto status = host.read("/var/lib/dpkg/status", 64u << 20);
  if (!status) return std::nullopt;
  std::map<std::string, std::string, std::less<>> installed;  // package -> version
  stanzas(*status, [&](const auto& f) {
    auto s = f.find("Status");
    auto p = f.find("Package");
    auto v = f.find("Version");
    if (s != f.end() && s->second.ends_with(" installed") && p != f.end() && v != f.end())
      installed[std::string(p->second)] = std::string(v->second);
  });
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> fixed;  // package -> (version, list)
  size_t lists = 0;
  if (auto names = host.list("/var/lib/apt/lists"))
    for (const auto& name : *names) {
      if (name.find("security") == std::string::npos || name.find("_Packages") == std::string::npos) continue;
      auto raw = host.read("/var/lib/apt/lists/" + name, kMaxListBytes);
      if (!raw) continue;
      std::string text;
      if (name.ends_with(".lz4")) {
        auto d = lz4_decompress(as_bytes(*raw), kMaxListBytes);
        if (!d) continue;
        text = std::move(d->bytes);
      } else if (name.ends_with(".gz")) {
        auto d = gunzip(as_bytes(*raw), kMaxListBytes);
        if (!d) continue;
        text = std::move(d->bytes);
      } else if (name.ends_with("_Packages")) {
        text = std::move(*raw);
      } else {
        continue;  // .xz, .zst: not read
      }
      ++lists;
      stanzas(text, [&](const auto& f) {
        auto p = f.find("Package");
        auto v = f.find("Version");
        if (p == f.end() || v == f.end() || !installed.count(p->second)) return;
        auto& best = fixed[std::string(p->second)];
        if (best.first.empty() || compare_debian_versions(v->second, best.first) > 0) best = {std::string(v->second), name};
      });
    }
  std::string rows;
  size_t upgradable = 0;
  for (const auto& [pkg, ver] : installed) {
    auto it = fixed.find(pkg);
    if (it == fixed.end() || compare_debian_versions(it->second.first, ver) <= 0) continue;
    ++upgradable;
    rows += nlohmann::json{{"Package", pkg}, {"Installed", ver}, {"Fixed", it->second.first}, {"List", it->second.second}}.dump() + "\n";
  }
  return nlohmann::json{{"Summary", true}, {"SecurityLists", lists}, {"InstalledPackages", installed.size()},
                        {"Upgradable", upgradable}}.dump() + "\n" + rows;
}

}  // namespace msw::collect::linux
