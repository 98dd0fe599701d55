#include "collect/linux/host_tables.h"

#include <crypt.h>

#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "data/embedded.h"
#include "core/time.h"

namespace msw::collect::linux {
namespace {

using nlohmann::ordered_json;

std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

template <typename Fn>
void lines(std::string_view all, Fn&& fn) {
  for (size_t pos = 0; pos < all.size();) {
    size_t eol = all.find('\n', pos);
    std::string_view line = all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos);
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    if (!line.empty()) fn(line);
  }
}

std::vector<std::string_view> split_colons(std::string_view line) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t c = line.find(':', start);
    parts.push_back(line.substr(start, (c == std::string_view::npos ? line.size() : c) - start));
    if (c == std::string_view::npos || parts.size() >= 16) break;
    start = c + 1;
  }
  return parts;
}

int64_t to_i64(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

std::string system_jsonl(const HostView& host, int64_t collected_unix) {
  ordered_json j;
  j["Hostname"] = host.hostname();
  j["OperatingSystem"] = host.os_name();
  j["Kernel"] = host.kernel();
  j["CollectedUnix"] = collected_unix;
  if (auto stat = host.read("/proc/stat", 1u << 20)) {
    lines(*stat, [&](std::string_view l) {
      if (l.starts_with("btime ")) j["BootUnix"] = to_i64(trim(l.substr(6)));
    });
  }
  if (auto up = host.read("/proc/uptime", 4096)) {
    auto words = split_words(*up);
    if (!words.empty()) j["UptimeSeconds"] = to_i64(words[0].substr(0, words[0].find('.')));
  }
  if (auto load = host.read("/proc/loadavg", 4096)) {
    auto words = split_words(*load);
    if (words.size() >= 3) j["LoadAverage"] = std::string(words[0]) + " " + std::string(words[1]) + " " + std::string(words[2]);
  }
  if (auto tz = host.read("/etc/timezone", 4096)) {
    j["Timezone"] = std::string(trim(*tz));
  } else if (auto link = host.read_link("/etc/localtime")) {
    size_t at = link->find("zoneinfo/");
    j["Timezone"] = at == std::string::npos ? *link : link->substr(at + 9);
  }
  return dump(j);
}

std::string password_state(std::string_view f) {
  if (f.empty()) return "empty";
  if (f.starts_with('!')) return "locked";
  if (f == "*" || f == "x") return "no_password_login";
  if (f.starts_with("$1$")) return "hash:md5";
  if (f.starts_with("$2")) return "hash:bcrypt";
  if (f.starts_with("$5$")) return "hash:sha256";
  if (f.starts_with("$6$")) return "hash:sha512";
  if (f.starts_with("$y$") || f.starts_with("$7$")) return "hash:yescrypt";
  if (f.size() == 13 && f.find('$') == std::string_view::npos) return "hash:des";
  return "hash:other";
}

// Whether a crypt(3) hash is one of the passwords guessing kits try first (data/passwords/weak.txt, the user
// name, and the name with common suffixes). Only the answer is kept; a budget bounds the slow schemes.
bool weak_password(std::string_view user, std::string_view hash) {
  if (hash.empty() || hash[0] == '!' || hash[0] == '*' || hash.size() < 13) return false;
  static const std::vector<std::string> list = [] {
    std::vector<std::string> out;
    if (auto text = data::embedded_file("passwords/weak.txt"))
      data::for_each_content_line(*text, [&](std::string_view l, size_t) { out.emplace_back(l); });
    return out;
  }();
  std::vector<std::string> candidates = list;
  for (auto suffix : {"", "123", "@123", "123456", "2024", "2025", "2026", "!"}) candidates.push_back(std::string(user) + suffix);
  const std::string h(hash);
  crypt_data data{};
  const auto start = std::chrono::steady_clock::now();
  for (const auto& c : candidates) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) break;  // yescrypt is slow on purpose
    const char* r = ::crypt_r(c.c_str(), h.c_str(), &data);
    if (r && h == r) return true;
  }
  return false;
}

AccountsTable accounts_jsonl(const HostView& host) {
  AccountsTable t;
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> shadow;  // user -> (state, last change)
  std::set<std::string, std::less<>> weak;
  if (auto text = host.read("/etc/shadow", 16u << 20)) {
    t.shadow_read = true;
    lines(*text, [&](std::string_view l) {
      auto p = split_colons(l);
      if (p.size() >= 3) shadow[std::string(p[0])] = {password_state(p[1]), std::string(p[2])};
      if (p.size() >= 2 && weak_password(p[0], p[1])) weak.insert(std::string(p[0]));
    });
  }
  auto passwd = host.read("/etc/passwd", 16u << 20);
  if (!passwd) return t;
  lines(*passwd, [&](std::string_view l) {
    auto p = split_colons(l);
    if (p.size() < 7 || l.starts_with('#')) return;
    ordered_json j;
    j["User"] = std::string(p[0]);
    j["Uid"] = to_i64(p[2]);
    j["Gid"] = to_i64(p[3]);
    j["Home"] = std::string(p[5]);
    j["Shell"] = std::string(p[6]);
    // A password in /etc/passwd itself (not 'x') is the pre-shadow way, and how some worms add a root user.
    if (p[1] != "x") {
      j["PasswordState"] = password_state(p[1]);
      j["PasswordInPasswd"] = true;
    } else if (auto it = shadow.find(p[0]); it != shadow.end()) {
      j["PasswordState"] = it->second.first;
      j["PasswordChangedDays"] = to_i64(it->second.second);
      if (weak.count(p[0])) j["WeakPassword"] = true;
    } else {
      j["PasswordState"] = t.shadow_read ? "missing_from_shadow" : "unknown";
    }
    t.jsonl += dump(j);
  });
  return t;
}

std::map<int64_t, std::string> account_names(const HostView& host) {
  std::map<int64_t, std::string> users;
  if (auto text = host.read("/etc/passwd", 16u << 20))
    lines(*text, [&](std::string_view l) {
      auto p = split_colons(l);
      if (p.size() >= 3 && !l.starts_with('#')) users.emplace(to_i64(p[2]), std::string(p[0]));
    });
  return users;
}

std::optional<std::string> modules_jsonl(const HostView& host) {
  auto text = host.read("/proc/modules", 16u << 20);
  if (!text) return std::nullopt;
  std::string out;
  lines(*text, [&](std::string_view l) {
    // name size instances deps state address [taint flags]
    auto w = split_words(l);
    if (w.size() < 5) return;
    ordered_json j;
    j["ModuleName"] = std::string(w[0]);
    j["ModuleSize"] = to_i64(w[1]);
    j["State"] = std::string(w[4]);
    if (w.size() >= 7) {
      std::string taint(w[6]);
      if (taint.size() >= 2 && taint.front() == '(' && taint.back() == ')') taint = taint.substr(1, taint.size() - 2);
      j["Taint"] = taint;
    }
    out += dump(j);
  });
  return out;
}

}  // namespace msw::collect::linux
