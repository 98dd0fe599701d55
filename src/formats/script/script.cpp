#include "formats/script/script.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "core/byte_reader.h"
#include "core/text.h"
#include "formats/script/shell.h"

namespace msw::formats::script {
namespace {

std::string lower(std::string_view s) { return to_lower_ascii(s); }

bool starts_with_i(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals_ascii(s.substr(0, prefix.size()), prefix);
}

size_t find_i(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (iequals_ascii(hay.substr(i, needle.size()), needle)) return i;
  return std::string_view::npos;
}

class Layers {
 public:
  void count(std::string_view name) {
    for (auto& l : layers_)
      if (l.name == name) {
        ++l.count;
        return;
      }
    layers_.push_back({std::string(name), 1});
  }
  std::vector<Layer> take() { return std::move(layers_); }

 private:
  std::vector<Layer> layers_;
};

// Base64 to text: UTF-16LE (PowerShell's -EncodedCommand) narrowed to UTF-8, else the bytes as they are. "" when the
// token is not base64 or decodes to binary.
std::string base64_text(std::string_view s) {
  if (s.size() < 8) return {};
  const auto decoded = decode_base64(s);
  if (!decoded) return {};
  const std::string& raw = *decoded;
  std::string text = raw.size() >= 2 && raw[1] == '\0' ? utf16le_to_utf8(as_bytes(raw)).utf8 : raw;
  const auto binary = std::count_if(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && c != '\n' && c != '\r' && c != '\t';
  });
  return text.empty() || binary * 20 > static_cast<long>(text.size()) ? std::string() : text;
}

// Replaces `[char]72` / `[char]0x48` (PowerShell) or `Chr(72)` / `ChrW(72)` (VBScript) with the quoted character,
// then joins adjacent quoted literals ('a'+'b', "a" & "b"). Returns how many codes were replaced.
size_t decode_char_codes(std::string& line, bool vbscript) {
  size_t replaced = 0;
  const std::string_view openers[] = {"[char]", "chrw(", "chr("};
  for (std::string_view open : openers) {
    if (vbscript == (open == "[char]")) continue;
    for (size_t at = find_i(line, open); at != std::string::npos; at = find_i(line, open, at + 1)) {
      size_t i = at + open.size();
      while (i < line.size() && line[i] == ' ') ++i;
      int base = 10;
      if (i + 1 < line.size() && line[i] == '0' && (line[i + 1] == 'x' || line[i + 1] == 'X')) base = 16, i += 2;
      size_t j = i;
      while (j < line.size() && std::isxdigit(static_cast<unsigned char>(line[j])) && j - i < 6) ++j;
      if (j == i) continue;
      const long code = std::strtol(line.substr(i, j - i).c_str(), nullptr, base);
      if (open != "[char]") {
        while (j < line.size() && line[j] == ' ') ++j;
        if (j >= line.size() || line[j] != ')') continue;
        ++j;
      }
      if (code < 0x20 || code > 0x7E || code == '\'' || code == '"') continue;
      const char q = vbscript ? '"' : '\'';
      line.replace(at, j - at, std::string{q, static_cast<char>(code), q});
      ++replaced;
    }
  }
  // Join 'a'+'b' (PowerShell) and "a" & "b" / "a"+"b" (VBScript, JScript).
  for (char q : {'\'', '"'}) {
    for (size_t at = 0; (at = line.find(q, at)) != std::string::npos;) {
      const size_t close = line.find(q, at + 1);
      if (close == std::string::npos) break;
      size_t k = close + 1;
      while (k < line.size() && line[k] == ' ') ++k;
      if (k < line.size() && (line[k] == '+' || line[k] == '&')) {
        size_t n = k + 1;
        while (n < line.size() && line[n] == ' ') ++n;
        if (n < line.size() && line[n] == q) {
          line.erase(close, n - close + 1);  // drop the closing quote, the operator and the next opening quote
          continue;                          // the same literal may join again
        }
      }
      at = close + 1;
    }
  }
  return replaced;
}

// Batch variables: `set name=value` / `set "name=value"` remembered, `%name%`, `%name:~start,len%` and
// `%name:old=new%` expanded. Unknown names (%windir%, %temp%) are left as written.
class BatchVariables {
 public:
  bool take_set(std::string_view line) {
    if (!starts_with_i(line, "set ") || starts_with_i(line, "set /a") || starts_with_i(line, "set /p")) return false;
    std::string_view rest = trim(line.substr(4));
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      if (auto q = rest.rfind('"'); q != std::string_view::npos) rest = rest.substr(0, q);
    }
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos || eq == 0 || vars_.size() >= kMaxVariables) return false;
    vars_[lower(trim(rest.substr(0, eq)))] = std::string(rest.substr(eq + 1));
    return true;
  }

  // The line with every known variable expanded; counts expansions.
  std::string expand(std::string_view line, size_t& expansions) const {
    std::string out;
    for (size_t i = 0; i < line.size();) {
      if (line[i] != '%') {
        out += line[i++];
        continue;
      }
      const size_t close = line.find('%', i + 1);
      if (close == std::string_view::npos) {
        out += line.substr(i);
        break;
      }
      const std::string_view inner = line.substr(i + 1, close - i - 1);
      const size_t colon = inner.find(':');
      auto it = vars_.find(lower(inner.substr(0, colon)));
      if (it == vars_.end() || inner.empty()) {
        out += line.substr(i, close - i);  // not ours: keep the '%' and look again from the closing one
        i = close;
        continue;
      }
      std::string value = it->second;
      if (colon != std::string_view::npos) value = modify(value, inner.substr(colon + 1));
      out += value;
      ++expansions;
      i = close + 1;
      if (out.size() > kMaxExpandedLine) return std::string(line);
    }
    return out;
  }

 private:
  static std::string modify(const std::string& value, std::string_view spec) {
    const long n = static_cast<long>(value.size());
    if (spec.starts_with("~")) {
      long start = 0, len = n;
      const std::string s(spec.substr(1));
      const size_t comma = s.find(',');
      start = std::strtol(s.substr(0, comma).c_str(), nullptr, 10);
      if (comma != std::string::npos) len = std::strtol(s.substr(comma + 1).c_str(), nullptr, 10);
      if (start < 0) start = std::max(0L, n + start);
      start = std::min(start, n);
      if (len < 0) len = std::max(0L, n - start + len);
      len = std::min(len, n - start);
      return value.substr(static_cast<size_t>(start), static_cast<size_t>(len));
    }
    if (const size_t eq = spec.find('='); eq != std::string_view::npos && eq > 0) {
      std::string out = value;
      const std::string from = lower(spec.substr(0, eq)), to(spec.substr(eq + 1));
      for (size_t p = 0; (p = lower(out).find(from, p)) != std::string::npos; p += to.size())
        out.replace(p, from.size(), to);
      return out;
    }
    return value;
  }

  std::unordered_map<std::string, std::string> vars_;
};

// Words of a command line as cmd.exe splits them: whitespace outside double quotes; quotes removed.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (char c : s) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t')) {
      if (any) out.push_back(std::move(cur));
      cur.clear();
      any = false;
      continue;
    }
    cur += c;
    any = true;
  }
  if (any) out.push_back(std::move(cur));
  return out;
}

// The value after a switch ("/tn" → the next word; "/i:URL" → URL). Case-insensitive.
std::string option(const std::vector<std::string>& w, std::string_view name) {
  for (size_t i = 0; i < w.size(); ++i) {
    if (iequals_ascii(w[i], name) && i + 1 < w.size()) return w[i + 1];
    if (starts_with_i(w[i], name) && w[i].size() > name.size() &&
        (w[i][name.size()] == ':' || w[i][name.size()] == '='))
      return w[i].substr(name.size() + 1);
  }
  return {};
}

bool has_word(const std::vector<std::string>& w, std::string_view name) {
  return std::any_of(w.begin(), w.end(), [&](const std::string& x) { return iequals_ascii(x, name); });
}

std::string program_of(const std::vector<std::string>& w, size_t& index) {
  for (index = 0; index < w.size(); ++index) {
    std::string p = lower(w[index]);
    if (p == "call" || p == "start" || p == "/b" || p == "/min" || p == "cmd" || p == "cmd.exe" || p == "/c" ||
        p == "/k" || p == "@")
      continue;
    if (auto slash = p.find_last_of("\\/"); slash != std::string::npos) p = p.substr(slash + 1);
    if (p.ends_with(".exe")) p.resize(p.size() - 4);
    return p;
  }
  return {};
}

// URLs in a text, refanged, each with what follows it (for a destination).
std::vector<std::string> urls_in(std::string_view text) {
  std::vector<std::string> out;
  const std::string t = refang_text(text);
  for (size_t at = t.find("://"); at != std::string::npos; at = t.find("://", at + 3)) {
    size_t start = at;
    while (start > 0 && std::isalpha(static_cast<unsigned char>(t[start - 1]))) --start;
    const std::string scheme = lower(std::string_view(t).substr(start, at - start));
    if (scheme != "http" && scheme != "https" && scheme != "ftp") continue;
    size_t end = at + 3;
    while (end < t.size() && !std::isspace(static_cast<unsigned char>(t[end])) &&
           std::string_view("'\"<>()|^,;`").find(t[end]) == std::string_view::npos)
      ++end;
    if (end > at + 3) out.push_back(t.substr(start, end - start));
  }
  return out;
}

class Extractor {
 public:
  explicit Extractor(Analysis& a) : a_(a) {}

  void command(std::string_view text, size_t line, int depth = 0) {
    if (a_.commands.size() >= kMaxCommands) {
      a_.truncated = true;
      return;
    }
    const std::vector<std::string> w = words(text);
    size_t at = 0;
    const std::string prog = program_of(w, at);
    const std::string ltext = lower(text);
    auto add = [&](std::string kind, std::string attack, std::map<std::string, std::string> fields) {
      a_.commands.push_back(
          {std::move(kind), std::move(attack), line, std::string(text.substr(0, 1024)), std::move(fields)});
    };
    if (ltext.find("drivers\\etc\\hosts") != std::string::npos && ltext.find('>') != std::string::npos) {
      const size_t gt = text.find('>');
      std::string entry(trim(text.substr(0, gt)));
      if (starts_with_i(entry, "echo ")) entry = std::string(trim(std::string_view(entry).substr(5)));
      add("hosts_write", "T1565.001", {{"entry", entry}});
      return;
    }
    if (prog == "schtasks" && has_word(w, "/create")) {
      add("scheduled_task", "T1053.005",
          {{"name", option(w, "/tn")},
           {"action", option(w, "/tr")},
           {"schedule", option(w, "/sc")},
           {"user", option(w, "/ru")}});
    } else if (prog == "wmic" && ltext.find("subscription") != std::string::npos) {
      std::map<std::string, std::string> f;
      for (std::string_view cls :
           {"__EventFilter", "CommandLineEventConsumer", "ActiveScriptEventConsumer", "__FilterToConsumerBinding"})
        if (find_i(text, cls) != std::string_view::npos) f["class"] = std::string(cls);
      for (std::string_view key : {"Name", "CommandLineTemplate", "Query", "ScriptText"}) {
        const size_t k = find_i(text, std::string(key) + "=");
        if (k == std::string_view::npos || (k > 0 && std::isalnum(static_cast<unsigned char>(text[k - 1])))) continue;
        std::string_view v = text.substr(k + key.size() + 1);
        if (!v.empty() && v.front() == '"') {
          v.remove_prefix(1);
          v = v.substr(0, v.find('"'));
        } else {
          v = v.substr(0, v.find_first_of(", "));
        }
        f[lower(key)] = std::string(v.substr(0, 1024));
      }
      add("wmi_subscription", "T1546.003", std::move(f));
    } else if (prog == "reg" && w.size() > at + 2 && iequals_ascii(w[at + 1], "add")) {
      const std::string key = w[at + 2];
      const std::string lkey = lower(key);
      std::map<std::string, std::string> f = {{"key", key}, {"value", option(w, "/v")}, {"data", option(w, "/d")}};
      if (lkey.find("\\currentversion\\run") != std::string::npos)
        add("registry_run", "T1547.001", std::move(f));
      else if (lkey.find("image file execution options") != std::string::npos)
        add("registry_ifeo", "T1546.012", std::move(f));
      else
        add("registry_set", "T1112", std::move(f));
    } else if (prog == "sc" && w.size() > at + 2 &&
               (iequals_ascii(w[at + 1], "create") || iequals_ascii(w[at + 1], "config"))) {
      add("service", "T1543.003",
          {{"name", w[at + 2]}, {"binpath", option(w, "binpath=")}, {"start", option(w, "start=")}});
    } else if (prog == "netsh" && ltext.find("portproxy") != std::string::npos) {
      add("port_proxy", "T1090",
          {{"listen_port", option(w, "listenport")},
           {"connect_address", option(w, "connectaddress")},
           {"connect_port", option(w, "connectport")}});
    } else if (prog == "netsh" && ltext.find("firewall") != std::string::npos &&
               (ltext.find(" add ") != std::string::npos || ltext.find("state off") != std::string::npos ||
                ltext.find("opmode=disable") != std::string::npos)) {
      add("firewall_rule", "T1562.004",
          {{"name", option(w, "name")}, {"port", option(w, "localport")}, {"action", option(w, "action")}});
    } else if ((prog == "net" || prog == "net1") && w.size() > at + 2 && iequals_ascii(w[at + 1], "user") &&
               has_word(w, "/add")) {
      add("account_add", "T1136.001", {{"name", w[at + 2]}});
    } else if ((prog == "net" || prog == "net1") && w.size() > at + 3 && iequals_ascii(w[at + 1], "localgroup") &&
               has_word(w, "/add")) {
      add("admin_group_add", "T1098", {{"group", w[at + 2]}, {"name", w[at + 3]}});
    } else if (prog == "attrib" && (ltext.find("+h") != std::string::npos || ltext.find("+s") != std::string::npos)) {
      std::string path;
      for (size_t i = at + 1; i < w.size(); ++i)
        if (w[i].front() != '+' && w[i].front() != '-' && w[i].front() != '/') path = w[i];
      add("hide_file", "T1564.001", {{"path", path}});
    } else if (prog == "cacls" || prog == "icacls") {
      add("permissions", "T1222.001", {{"path", w.size() > at + 1 ? w[at + 1] : ""}});
    } else if (prog == "taskkill" || prog == "tskill") {
      std::string images;
      for (size_t i = 0; i + 1 < w.size(); ++i)
        if (iequals_ascii(w[i], "/im")) images += (images.empty() ? "" : ",") + w[i + 1];
      add("kill_processes", "T1489", {{"images", images}});
    }
    download(text, prog, w, add);
    // What a task, a Run value or a WMI consumer runs is a command too (a regsvr32 scriptlet in a Run key).
    if (depth < 2 && !a_.commands.empty() && a_.commands.back().line == line) {
      const Command& last = a_.commands.back();
      for (const char* f : {"action", "data", "commandlinetemplate"})
        if (auto it = last.fields.find(f); it != last.fields.end() && !it->second.empty() && it->second != text) {
          const std::string inner = it->second;
          for (const auto& part : split_chain(inner)) command(part, line, depth + 1);
          break;
        }
    }
  }

  // One shell command: writes into crontabs, start-up files, authorized_keys, ld.so.preload, /etc/hosts and systemd
  // units (by echo/printf redirections, tee, or — as `into_crontab` — a pipe into `crontab -`), `systemctl enable`,
  // and accounts added with useradd. Returns the target when the command opens a here-document (cat > FILE <<EOF).
  std::string shell(const shell::Command& c, size_t line, bool into_crontab, const std::vector<shell::Redirect>& tee) {
    size_t at = 0;
    while (at < c.words.size() && (c.words[at] == "sudo" || c.words[at] == "nohup" || c.words[at] == "exec" ||
                                   c.words[at] == "command" || c.words[at] == "env"))
      ++at;
    if (at >= c.words.size()) return {};
    std::string prog = c.words[at];
    if (const size_t slash = prog.rfind('/'); slash != std::string::npos) prog = prog.substr(slash + 1);
    std::vector<shell::Redirect> targets = c.redirects;
    targets.insert(targets.end(), tee.begin(), tee.end());
    if (prog == "echo" || prog == "printf") {
      std::string text;
      size_t i = at + 1;
      if (prog == "echo")
        while (i < c.words.size() && (c.words[i] == "-e" || c.words[i] == "-n" || c.words[i] == "-ne" ||
                                      c.words[i] == "-en" || c.words[i] == "-E"))
          ++i;
      else if (i < c.words.size() && c.words[i].find("%s") != std::string::npos)
        ++i;  // printf '%s\n' TEXT
      for (; i < c.words.size(); ++i) text += (text.empty() ? "" : " ") + c.words[i];
      while (text.ends_with("\\n")) text.resize(text.size() - 2);
      text = std::string(trim(text));
      if (text.empty()) return {};
      for (const auto& r : targets) written(r.target, text, line);
      if (targets.empty() && into_crontab) add_shell("cron_write", "T1053.003", line, {{"entry", text}, {"file", ""}});
      return {};
    }
    if (prog == "cat" && !c.heredoc_marker.empty() && !targets.empty()) return targets.front().target;
    if ((prog == "cat" || prog == "cp" || prog == "mv") && !targets.empty()) {
      for (const auto& r : targets) file_written(r.target, line);
      return {};
    }
    if ((prog == "cp" || prog == "mv" || prog == "install") && c.words.size() > at + 2) {
      file_written(c.words.back(), line);
      return {};
    }
    if (prog == "systemctl" && c.words.size() > at + 2 && c.words[at + 1] == "enable") {
      for (size_t i = at + 2; i < c.words.size(); ++i)
        if (!c.words[i].starts_with("-")) add_shell("systemd_enable", "T1543.002", line, {{"unit", c.words[i]}});
      return {};
    }
    if ((prog == "useradd" || prog == "adduser") && c.words.size() > at + 1 && !c.words.back().starts_with("-")) {
      add_shell("account_add", "T1136.001", line, {{"name", c.words.back()}});
      return {};
    }
    return {};
  }

  // The lines of a here-document written to `target`.
  void heredoc(const std::string& target, const std::vector<std::string>& lines, size_t line) {
    const std::string kind = shell::destination_kind(target);
    // A whole file of the dropper's (a unit, a script cron runs, a file in /etc/cron.d) goes into quarantine; lines it
    // added to a file of the system's (/etc/crontab, rc.local) are commented out.
    if (kind == "cron_script" || kind == "systemd_unit" || kind.empty() ||
        shell::expand_home(target).starts_with("/etc/cron.d/")) {
      file_written(target, line);
      return;
    }
    size_t n = 0;
    for (const auto& l : lines) {
      const std::string_view t = trim(l);
      if (t.empty() || t.starts_with("#")) continue;
      if (++n > 32) break;
      written(target, std::string(t), line);
    }
  }

  // "a & b && c | d" outside double quotes, as cmd.exe chains commands.
  static std::vector<std::string> split_chain(std::string_view s) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') quoted = !quoted;
      if (!quoted && (c == '&' || c == '|')) {
        if (i + 1 < s.size() && s[i + 1] == c) ++i;
        out.emplace_back();
        continue;
      }
      out.back() += c;
    }
    return out;
  }

 private:
  template <typename Add>
  void download(std::string_view text, const std::string& prog, const std::vector<std::string>& w, Add& add) {
    const auto urls = urls_in(text);
    const std::string ltext = lower(text);
    // regsvr32 /i:URL scrobj.dll — the scriptlet is fetched and run by a signed Windows binary.
    if (prog == "regsvr32") {
      for (const auto& x : w)
        if (starts_with_i(x, "/i:")) {
          auto u = urls_in(x);
          if (!u.empty()) add("download", "T1218.010", {{"url", u.front()}, {"via", "regsvr32 scriptlet"}});
        }
      return;
    }
    if (urls.empty()) return;
    std::string via, dest, attack = "T1105";
    if (prog == "certutil" && ltext.find("urlcache") != std::string::npos) {
      via = "certutil";
      for (size_t i = 0; i + 1 < w.size(); ++i)
        if (!urls_in(w[i]).empty()) dest = w[i + 1];
    } else if (prog == "bitsadmin") {
      via = "bitsadmin", attack = "T1197";
      for (size_t i = 0; i + 1 < w.size(); ++i)
        if (!urls_in(w[i]).empty()) dest = w[i + 1];
    } else if (prog == "mshta") {
      via = "mshta", attack = "T1218.005";
    } else if (ltext.find("downloadfile") != std::string::npos || ltext.find("downloadstring") != std::string::npos ||
               ltext.find("invoke-webrequest") != std::string::npos || ltext.find("iwr ") != std::string::npos ||
               ltext.find("net.webclient") != std::string::npos) {
      via = "powershell";
      if (const size_t df = find_i(text, "DownloadFile("); df != std::string_view::npos) {
        const size_t comma = text.find(',', df);
        if (comma != std::string_view::npos) {
          std::string_view d = trim(text.substr(comma + 1, text.find(')', comma) - comma - 1));
          if (d.size() >= 2 && (d.front() == '\'' || d.front() == '"')) d = d.substr(1, d.size() - 2);
          dest = std::string(d);
        }
      }
      if (dest.empty()) dest = option(w, "-OutFile");
    } else if (prog == "curl" || prog == "wget") {
      via = prog;
      dest = option(w, "-o");
      if (dest.empty()) dest = option(w, "-O");
    } else if (prog == "ftp" || ltext.find("echo open ") != std::string::npos) {
      via = "ftp";
    } else {
      return;  // a URL in some other command: kept in `urls`, not called a download
    }
    for (const auto& u : urls) add("download", attack, {{"url", u}, {"destination", dest}, {"via", via}});
  }

  void add_shell(std::string kind, std::string attack, size_t line, std::map<std::string, std::string> fields) {
    if (a_.commands.size() >= kMaxCommands) {
      a_.truncated = true;
      return;
    }
    std::string text;
    for (const auto& [k, v] : fields) text += (text.empty() ? "" : " ") + k + "=" + v;
    a_.commands.push_back({std::move(kind), std::move(attack), line, text.substr(0, 1024), std::move(fields)});
  }

  // A line of text written into `target` by the dropper.
  void written(const std::string& target, const std::string& text, size_t line) {
    const std::string kind = shell::destination_kind(target);
    const std::string file = shell::expand_home(target);
    const std::string entry = text.substr(0, 4096);
    if (kind == "cron")
      add_shell("cron_write", "T1053.003", line, {{"entry", entry}, {"file", file}});
    else if (kind == "startup")
      add_shell("startup_write", "T1037.004", line, {{"entry", entry}, {"file", file}});
    else if (kind == "ssh_keys")
      add_shell("ssh_key_write", "T1098.004", line, {{"entry", entry}, {"file", file}});
    else if (kind == "preload")
      add_shell("preload_write", "T1574.006", line, {{"entry", entry}, {"file", file}});
    else if (kind == "hosts")
      add_shell("hosts_write", "T1565.001", line, {{"entry", entry}, {"file", file}});
    else if (kind == "cron_script" || kind == "systemd_unit")
      file_written(target, line);
  }

  // A whole file put where it runs: a script in /etc/cron.hourly, a systemd unit, a file in /etc/cron.d.
  void file_written(const std::string& target, size_t line) {
    const std::string kind = shell::destination_kind(target);
    const std::string path = shell::expand_home(target);
    if (kind == "cron_script" || kind == "systemd_unit" || (kind == "cron" && path.starts_with("/etc/cron.d/")))
      add_shell("file_write", kind == "systemd_unit" ? "T1543.002" : "T1053.003", line, {{"path", path}});
  }

  Analysis& a_;
};

std::string guess_language(std::string_view t) {
  const std::string l = lower(t.substr(0, 64 << 10));
  auto has = [&](std::string_view s) { return l.find(s) != std::string::npos; };
  if (l.starts_with("#!") && (has("/sh") || has("bash"))) return "shell";
  if (has("createobject(") || has("wscript.") || has("chr(")) return "vbscript";
  if (has("@echo off") || has("\nset ") || has("%~") || has("goto ") || has("schtasks ") || l.starts_with("set "))
    return "batch";
  if (has("dim ")) return "vbscript";
  if (has("$env:") || has("invoke-") || has("new-object") || has("[char]") || has("-bxor")) return "powershell";
  if (has("activexobject") || has("var ") || has("function(")) return "javascript";
  return "unknown";
}

}  // namespace

bool looks_like_script(std::string_view head) {
  if (head.empty()) return false;
  const DecodedText d = decode_text(as_bytes(head.substr(0, 64 << 10)));
  const size_t control = static_cast<size_t>(std::count_if(d.utf8.begin(), d.utf8.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && c != '\n' && c != '\r' && c != '\t';
  }));
  if (control * 50 > d.utf8.size()) return false;
  return guess_language(d.utf8) != "unknown";
}

Analysis analyse(std::string_view bytes) {
  Analysis a;
  Layers layers;
  if (bytes.size() > kMaxScriptBytes) {
    bytes = bytes.substr(0, kMaxScriptBytes);
    a.truncated = true;
  }
  const DecodedText d = decode_text(as_bytes(bytes));
  if (d.encoding != TextEncoding::Utf8 && d.encoding != TextEncoding::Utf8Bom)
    layers.count(std::string(to_string(d.encoding)) + " text");
  a.language = guess_language(d.utf8);
  const bool batch = a.language == "batch";
  const bool vbs = a.language == "vbscript" || a.language == "javascript";

  BatchVariables vars;
  Extractor ex(a);
  const bool shell_script = a.language == "shell";
  struct {
    bool active = false;
    std::string marker, target;
    std::vector<std::string> lines;
    size_t line = 0;
  } heredoc;
  // Work list of (text, line, depth): decoded payloads are analysed as lines of their own.
  struct Pending {
    std::string text;
    size_t line;
    int depth;
  };
  std::vector<Pending> work;
  size_t number = 0;
  for_each_line(d.utf8, [&](std::string_view raw, uint64_t) {
    ++number;
    if (number > kMaxLines) {
      a.truncated = true;
      return;
    }
    work.push_back({std::string(raw), number, 0});
  });
  std::string decoded;
  for (size_t k = 0; k < work.size(); ++k) {
    std::string line = std::string(trim(work[k].text));
    const size_t line_no = work[k].line;
    const int depth = work[k].depth;
    if (batch && depth == 0) {
      if (line.starts_with("@")) line.erase(0, 1);
      if (starts_with_i(line, "rem ") || line.starts_with("::")) continue;
      // Carets escape the next character; they are also sprinkled in to break up keywords.
      std::string uncareted;
      size_t carets = 0;
      for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '^' && i + 1 < line.size()) {
          uncareted += line[++i];
          ++carets;
        } else {
          uncareted += line[i];
        }
      }
      if (carets) layers.count("batch carets"), line = std::move(uncareted);
      size_t expansions = 0;
      line = vars.expand(line, expansions);
      if (expansions) layers.count("batch variables");
      if (vars.take_set(line)) continue;
    }
    if (const size_t codes =
            decode_char_codes(line, vbs || (a.language == "unknown" && find_i(line, "chr(") != std::string::npos)))
      layers.count(vbs ? "vbscript Chr()" : "powershell [char]"), (void)codes;
    // PowerShell -EncodedCommand and FromBase64String: decode, and read the payload as a script of its own.
    if (depth < kMaxDecodeDepth) {
      // Whitespace words with quotes stripped: the payload often sits inside a quoted command line.
      std::vector<std::string> w;
      for (std::string x : words(line))
        for (size_t p = 0; p < x.size();) {
          size_t e = x.find(' ', p);
          if (e == std::string::npos) e = x.size();
          std::string tok = x.substr(p, e - p);
          while (!tok.empty() && (tok.back() == '\'' || tok.back() == '"' || tok.back() == ')')) tok.pop_back();
          while (!tok.empty() && (tok.front() == '\'' || tok.front() == '"')) tok.erase(0, 1);
          if (!tok.empty()) w.push_back(std::move(tok));
          p = e + 1;
        }
      for (size_t i = 0; i + 1 < w.size(); ++i) {
        const std::string o = lower(w[i]);
        if (o == "-e" || o == "-ec" || o == "-enc" || o == "-encodedcommand" || o == "/enc" || o == "-en" ||
            o == "-encoded") {
          if (std::string text = base64_text(w[i + 1]); !text.empty()) {
            layers.count("powershell -EncodedCommand");
            work.push_back({text, line_no, depth + 1});
          }
        }
      }
      for (size_t at = find_i(line, "FromBase64String("); at != std::string::npos;
           at = find_i(line, "FromBase64String(", at + 1)) {
        size_t q = at + 17;
        while (q < line.size() && (line[q] == ' ' || line[q] == '\'' || line[q] == '"')) ++q;
        size_t e = q;
        while (e < line.size() && (is_base64_char(line[e]) || line[e] == '=')) ++e;
        if (std::string text = base64_text(std::string_view(line).substr(q, e - q)); !text.empty()) {
          layers.count("base64 (FromBase64String)");
          work.push_back({text, line_no, depth + 1});
        }
      }
    }
    if (decoded.size() < (1 << 20)) decoded += line + "\n";
    if (shell_script) {
      // A here-document's lines are data for the file it writes, not commands.
      if (heredoc.active) {
        if (trim(work[k].text) == heredoc.marker) {
          ex.heredoc(heredoc.target, heredoc.lines, heredoc.line);
          heredoc = {};
        } else if (heredoc.lines.size() < 1024) {
          heredoc.lines.push_back(work[k].text);
        }
        continue;
      }
      const auto parts = shell::split_commands(line);
      std::vector<shell::Command> parsed;
      for (const auto& part : parts) parsed.push_back(shell::parse_command(part));
      for (size_t i = 0; i < parsed.size(); ++i) {
        // What the next command in the line does with this one's output: `| crontab -` or `| tee [-a] FILE`.
        bool into_crontab = false;
        std::vector<shell::Redirect> tee;
        for (size_t j = i + 1; j < parsed.size(); ++j) {
          const auto& w = parsed[j].words;
          if (w.size() == 2 && w[0] == "crontab" && w[1] == "-") into_crontab = true;
          if (!w.empty() && w[0] == "tee")
            for (size_t x = 1; x < w.size(); ++x)
              if (!w[x].starts_with("-")) tee.push_back({w[x], std::find(w.begin(), w.end(), "-a") != w.end()});
          if (j == i + 1 && !w.empty() && w[0] != "crontab" && w[0] != "tee") break;
        }
        if (std::string target = ex.shell(parsed[i], line_no, into_crontab, tee); !target.empty())
          heredoc = {true, parsed[i].heredoc_marker, target, {}, line_no};
        ex.command(parts[i], line_no);
      }
      for (auto& u : urls_in(line))
        if (std::find(a.urls.begin(), a.urls.end(), u) == a.urls.end() && a.urls.size() < 4096)
          a.urls.push_back(std::move(u));
      continue;
    }
    // One line may chain several commands: split on & && || | outside quotes.
    std::string cur;
    bool quoted = false;
    auto flush = [&] {
      const std::string_view c = trim(cur);
      if (!c.empty()) ex.command(c, line_no);
      cur.clear();
    };
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '"') quoted = !quoted;
      if (!quoted && (c == '&' || c == '|') && a.language != "vbscript" && a.language != "javascript") {
        flush();
        if (i + 1 < line.size() && line[i + 1] == c) ++i;
        continue;
      }
      cur += c;
    }
    flush();
    for (auto& u : urls_in(line))
      if (std::find(a.urls.begin(), a.urls.end(), u) == a.urls.end() && a.urls.size() < 4096)
        a.urls.push_back(std::move(u));
  }
  a.decoded = std::move(decoded);
  a.layers = layers.take();
  return a;
}

}  // namespace msw::formats::script
