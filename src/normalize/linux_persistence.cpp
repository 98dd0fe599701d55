// Linux persistence artefacts → events: crontab entries (category "cron_entry"), /etc/ld.so.preload libraries
// ("preload_entry") and SSH authorized keys ("ssh_authorized_key"). Sigma has no categories for these; the names
// are minesweep's own and documented in HACKING.md.
#include <algorithm>
#include <set>

#include "core/text.h"
#include "formats/crontab/crontab.h"
#include "normalize/normalize.h"

namespace msw::normalize {
namespace {

// Lines with their byte offsets, trimmed; blanks skipped, and '#' comments too unless `keep_comments` (histories
// keep them: "#1700000000" is a time stamp there).
template <typename Fn>
void content_lines(std::string_view all, Fn&& fn, bool keep_comments = false) {
  uint32_t no = 0;
  for (size_t pos = 0; pos < all.size();) {
    const size_t start = pos;
    size_t eol = all.find('\n', pos);
    std::string_view line = trim(all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos));
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    ++no;
    if (!line.empty() && (keep_comments || line[0] != '#')) fn(line, no, start);
  }
}

model::Event base_event(std::string_view category, const Source& src, uint64_t offset, uint32_t line) {
  model::Event ev;
  ev.category = category;
  ev.product = "linux";
  ev.artefact = src.display_path;
  ev.offset = offset;
  ev.set(model::Field::TargetFilename, std::string(src.display_path));
  ev.set(model::Field::LineNumber, std::to_string(line));
  return ev;
}

// The account an authorized_keys file belongs to, from its path (/root/.ssh/..., /home/NAME/.ssh/...).
std::string key_owner(std::string_view path) {
  size_t ssh = path.rfind("/.ssh/");
  if (ssh == std::string_view::npos) return {};
  std::string_view home = path.substr(0, ssh);
  size_t slash = home.rfind('/');
  std::string_view name = slash == std::string_view::npos ? home : home.substr(slash + 1);
  return std::string(name);
}

}  // namespace

Result<void> crontab_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out) {
  // /etc/crontab and /etc/cron.d/* carry a user field; per-user crontabs do not.
  const std::string_view p = src.display_path;
  const bool system_format = iends_with_ascii(p, "etc/crontab") || p.find("/cron.d/") != std::string_view::npos ||
                             p.starts_with("cron.d/");
  auto tab = formats::crontab::parse(bytes, system_format, src.display_path, diags);
  if (!tab) return tab.error();
  std::string owner;
  if (!system_format) {
    size_t slash = p.rfind('/');
    owner = std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));  // spool file name = user
  }
  for (const auto& e : tab->entries) {
    model::Event ev = base_event("cron_entry", src, e.offset, e.line);
    ev.set(model::Field::CommandLine, e.command);
    ev.set(model::Field::User, system_format ? e.user : owner);
    ev.set(model::Field::Details, e.schedule);
    ev.set(model::Field::Message, e.raw);
    out.push_back(std::move(ev));
  }
  return {};
}

Result<void> preload_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (1u << 20)) return Error::make("preload.too_large", "ld.so.preload over 1 MiB");
  DecodedText text = decode_text(bytes);
  content_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    // ld.so(8): libraries separated by white space or colons.
    for (size_t i = 0; i < line.size();) {
      size_t j = line.find_first_of(" \t:", i);
      std::string_view lib = line.substr(i, (j == std::string_view::npos ? line.size() : j) - i);
      if (!lib.empty()) {
        model::Event ev = base_event("preload_entry", src, at, no);
        ev.set(model::Field::ImageLoaded, std::string(lib));
        ev.set(model::Field::Message, std::string(line.substr(0, 1024)));
        out.push_back(std::move(ev));
      }
      if (j == std::string_view::npos) break;
      i = j + 1;
    }
  });
  return {};
}

Result<void> authorized_key_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (16u << 20)) return Error::make("authorized_keys.too_large", "authorized_keys over 16 MiB");
  DecodedText text = decode_text(bytes);
  const std::string owner = key_owner(src.display_path);
  content_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    // [options] keytype base64 [comment]: the key type is the first word that starts with ssh-, ecdsa- or sk-.
    model::Event ev = base_event("ssh_authorized_key", src, at, no);
    ev.set(model::Field::User, owner);
    std::string type, comment;
    std::string_view rest = line;
    size_t words = 0;
    while (!rest.empty() && words < 64) {
      rest = trim(rest);
      size_t end = rest.find_first_of(" \t");
      std::string_view w = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
      ++words;
      if (type.empty() && (w.starts_with("ssh-") || w.starts_with("ecdsa-") || w.starts_with("sk-"))) {
        type = w;
        std::string_view after = trim(rest);
        size_t blob_end = after.find_first_of(" \t");
        comment = blob_end == std::string_view::npos ? std::string() : std::string(trim(after.substr(blob_end)));
        break;
      }
    }
    ev.set(model::Field::Details, type.empty() ? std::string("unrecognised key line") : type + " " + comment);
    ev.set(model::Field::Message, std::string(line.substr(0, 1024)));
    out.push_back(std::move(ev));
  });
  return {};
}

}  // namespace msw::normalize

namespace msw::normalize {
namespace {

constexpr uint64_t kMaxScriptBytes = 16u << 20;
constexpr size_t kMaxCommandBytes = 8192;

// Logical lines of a shell or config file: a trailing backslash continues the line.
template <typename Fn>
void logical_lines(std::string_view all, Fn&& fn) {
  std::string joined;
  uint32_t no = 0, first_no = 0;
  size_t first_at = 0;
  for (size_t pos = 0; pos < all.size();) {
    const size_t start = pos;
    size_t eol = all.find('\n', pos);
    std::string_view line = all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos);
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    ++no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (joined.empty()) {
      first_no = no;
      first_at = start;
    }
    const bool continues = !line.empty() && line.back() == '\\';
    if (joined.size() < kMaxCommandBytes) joined.append(continues ? line.substr(0, line.size() - 1) : line);
    if (continues && pos < all.size()) continue;
    std::string_view t = trim(joined);
    if (!t.empty()) fn(t.substr(0, kMaxCommandBytes), first_no, first_at);
    joined.clear();
  }
}

model::Event line_event(std::string_view category, const Source& src, uint64_t at, uint32_t no, std::string_view line) {
  model::Event ev;
  ev.category = category;
  ev.product = "linux";
  ev.artefact = src.display_path;
  ev.offset = at;
  ev.set(model::Field::TargetFilename, std::string(src.display_path));
  ev.set(model::Field::LineNumber, std::to_string(no));
  ev.set(model::Field::CommandLine, std::string(line));
  ev.set(model::Field::Message, std::string(line.substr(0, 1024)));
  return ev;
}

std::string owner_from_home(std::string_view path) {
  // /root/.bashrc → root; /home/NAME/... → NAME
  if (size_t h = path.find("/home/"); h != std::string_view::npos) {
    std::string_view rest = path.substr(h + 6);
    return std::string(rest.substr(0, rest.find('/')));
  }
  if (path.find("/root/") != std::string_view::npos || path.starts_with("root/")) return "root";
  return {};
}

}  // namespace

namespace {
Result<void> script_lines(std::string_view category, Bytes bytes, const Source& src, std::vector<model::Event>& out) {
  if (bytes.size() > kMaxScriptBytes) return Error::make("script.too_large", "script over 16 MiB");
  DecodedText text = decode_text(bytes);
  logical_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    if (line[0] == '#') return;
    out.push_back(line_event(category, src, at, no, line));
  });
  return {};
}

// The string value after `"key":` at or after `from`; empty when there is none.
std::string_view json_string_after(std::string_view text, std::string_view key, size_t& from) {
  size_t k = text.find(key, from);
  if (k == std::string_view::npos) {
    from = text.size();
    return {};
  }
  size_t colon = text.find_first_not_of(" \t\r\n", k + key.size());
  from = k + key.size();
  if (colon == std::string_view::npos || text[colon] != ':') return {};
  size_t q = text.find_first_not_of(" \t\r\n", colon + 1);
  if (q == std::string_view::npos || text[q] != '"') return {};
  size_t end = text.find('"', q + 1);
  if (end == std::string_view::npos) return {};
  from = end;
  return text.substr(q + 1, std::min<size_t>(end - q - 1, 1024));
}
}  // namespace

Result<void> script_line_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  return script_lines("startup_script", bytes, src, out);
}

Result<void> dropped_script_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  return script_lines("dropped_script", bytes, src, out);
}

Result<void> miner_config_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (4u << 20)) return Error::make("miner_config.too_large", "configuration over 4 MiB");
  // Read by key rather than as a JSON tree: configurations are often hand-edited and not quite JSON, and a tree
  // parser would follow an attacker's nesting.
  DecodedText text = decode_text(bytes);
  std::string_view all = text.utf8;
  std::vector<std::string> urls, users;
  for (size_t at = 0; at < all.size() && urls.size() < 64;)
    if (auto v = json_string_after(all, "\"url\"", at); !v.empty()) urls.emplace_back(v);
  for (size_t at = 0; at < all.size() && users.size() < 64;)
    if (auto v = json_string_after(all, "\"user\"", at); !v.empty()) users.emplace_back(v);
  for (size_t i = 0; i < urls.size(); ++i) {
    model::Event ev;
    ev.category = "miner_config";
    ev.product = "linux";
    ev.artefact = src.display_path;
    ev.set(model::Field::TargetFilename, std::string(src.display_path));
    ev.set(model::Field::DestinationHostname, urls[i]);
    if (!users.empty()) ev.set(model::Field::User, users[std::min(i, users.size() - 1)]);
    out.push_back(std::move(ev));
  }
  return {};
}

Result<void> history_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > kMaxScriptBytes) return Error::make("history.too_large", "history over 16 MiB");
  DecodedText text = decode_text(bytes);
  const std::string user = owner_from_home(src.display_path);
  std::optional<Timestamp> stamp;  // HISTTIMEFORMAT writes "#1700000000" before each command
  content_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    if (line.size() > 1 && line[0] == '#' && std::all_of(line.begin() + 1, line.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      if (line.size() < 12) stamp = from_unix_seconds(std::stoll(std::string(line.substr(1))));
      return;
    }
    // zsh extended history: ": 1700000000:0;command"
    if (line.starts_with(": ") && line.find(';') != std::string_view::npos) {
      std::string_view secs = line.substr(2, line.find(':', 2) - 2);
      if (!secs.empty() && secs.size() < 12 && std::all_of(secs.begin(), secs.end(), [](char c) { return c >= '0' && c <= '9'; }))
        stamp = from_unix_seconds(std::stoll(std::string(secs)));
      line = line.substr(line.find(';') + 1);
    }
    model::Event ev = line_event("shell_command", src, at, no, line.substr(0, kMaxCommandBytes));
    ev.set(model::Field::User, user);
    ev.time = stamp;
    stamp.reset();
    out.push_back(std::move(ev));
  }, /*keep_comments=*/true);
  return {};
}

Result<void> systemd_unit_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (4u << 20)) return Error::make("systemd.too_large", "unit file over 4 MiB");
  DecodedText text = decode_text(bytes);
  const std::string_view path = src.display_path;
  const std::string unit(path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1));
  std::string section, description, wanted_by;
  std::vector<model::Event> events;
  logical_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    if (line[0] == '#' || line[0] == ';') return;
    if (line[0] == '[') {
      section = std::string(line.substr(1, line.find(']') - 1));
      return;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "Description") description = value;
    if (key == "WantedBy") wanted_by = value;
    const bool exec = section == "Service" && key.starts_with("Exec");
    const bool schedule = section == "Timer" && key.starts_with("On");
    if (!exec && !schedule) return;
    // Exec prefixes (@, -, :, +, !) change how systemd runs the command, not what it runs.
    while (exec && !value.empty() && std::string_view("@-:+!").find(value[0]) != std::string_view::npos) value.remove_prefix(1);
    model::Event ev = line_event("systemd_unit", src, at, no, value);
    ev.set(model::Field::ServiceName, unit);
    ev.set(model::Field::Details, std::string(key));
    events.push_back(std::move(ev));
  });
  for (auto& ev : events) {
    if (!description.empty()) ev.set(model::Field::Description, description.substr(0, 1024));
    if (!wanted_by.empty()) ev.set("WantedBy", wanted_by.substr(0, 1024));
    out.push_back(std::move(ev));
  }
  return {};
}

Result<void> sudoers_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (4u << 20)) return Error::make("sudoers.too_large", "sudoers over 4 MiB");
  DecodedText text = decode_text(bytes);
  logical_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    if (line[0] == '#' || line[0] == '@' || line.starts_with("Defaults") || line.find("_Alias") != std::string_view::npos)
      return;  // comments, #include / @includedir, defaults and alias definitions are not rules
    auto words = split_words(line);
    if (words.size() < 2) return;
    model::Event ev = line_event("sudoers_rule", src, at, no, line);
    ev.set(model::Field::User, std::string(words[0].substr(0, 256)));
    ev.set(model::Field::Details, std::string(trim(line.substr(words[0].size()))));
    out.push_back(std::move(ev));
  });
  return {};
}

// sshd takes the first value it reads for a keyword, and options after a Match line apply only to its matches:
// one "sshd_config" event per option of the global section, first value kept.
Result<void> sshd_config_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (4u << 20)) return Error::make("sshd_config.too_large", "sshd_config over 4 MiB");
  DecodedText text = decode_text(bytes);
  std::set<std::string> seen;
  bool in_match = false;
  for_each_line(text.utf8, [&](std::string_view line, uint64_t no) {
    line = trim(line);
    if (in_match || line.empty() || line[0] == '#' || seen.size() > 512) return;
    const size_t cut = line.find_first_of(" \t=");
    if (cut == std::string_view::npos) return;
    const std::string key = to_lower_ascii(line.substr(0, cut));
    std::string value(trim(line.substr(cut + 1)));
    if (!value.empty() && value[0] == '=') value = std::string(trim(std::string_view(value).substr(1)));
    if (key == "match") {
      in_match = true;
      return;
    }
    if (!seen.insert(key).second) return;
    model::Event ev;
    ev.category = "sshd_config";
    ev.product = "linux";
    ev.artefact = src.display_path;
    ev.set("SshdOption", key);
    ev.set("SshdValue", to_lower_ascii(value).substr(0, 256));
    ev.set(model::Field::LineNumber, std::to_string(no));
    out.push_back(std::move(ev));
  });
  return {};
}

Result<void> redis_conf_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (4u << 20)) return Error::make("redis_conf.too_large", "redis.conf over 4 MiB");
  DecodedText text = decode_text(bytes);
  std::string requirepass = "unset", bind = "(default: all interfaces)", protected_mode = "yes", port = "6379";
  bool acl_users = false;
  logical_lines(text.utf8, [&](std::string_view line, uint32_t, size_t) {
    if (line[0] == '#') return;
    auto words = split_words(line);
    if (words.empty()) return;
    const std::string key = to_lower_ascii(words[0]);
    std::string rest(trim(line.substr(words[0].size())));
    if (key == "requirepass" && !rest.empty()) requirepass = "set";  // the secret itself is never copied
    if (key == "bind") bind = rest;
    if (key == "protected-mode") protected_mode = to_lower_ascii(rest);
    if (key == "port") port = rest;
    if (key == "user" || key == "aclfile") acl_users = true;
  });
  model::Event ev;
  ev.category = "service_config";
  ev.product = "linux";
  ev.artefact = src.display_path;
  ev.set(model::Field::TargetFilename, std::string(src.display_path));
  ev.set(model::Field::ServiceName, "redis");
  ev.set("RequirePass", acl_users && requirepass == "unset" ? "acl" : requirepass);
  ev.set("Bind", bind.substr(0, 1024));
  ev.set("ProtectedMode", protected_mode.substr(0, 16));
  ev.set(model::Field::DestinationPort, port.substr(0, 16));
  out.push_back(std::move(ev));
  return {};
}

}  // namespace msw::normalize
