#include "formats/script/shell.h"

#include <cctype>

namespace msw::formats::script::shell {
namespace {

constexpr size_t kMaxCommandsPerLine = 64;

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Copies a `$(...)` or backtick substitution starting at `i` into `out`, quotes inside it kept; returns the index
// after.
size_t copy_substitution(std::string_view s, size_t i, std::string& out) {
  if (s[i] == '`') {
    const size_t end = s.find('`', i + 1);
    const size_t stop = end == std::string_view::npos ? s.size() : end + 1;
    out.append(s.substr(i, stop - i));
    return stop;
  }
  int depth = 0;
  size_t j = i;  // at '('
  for (; j < s.size(); ++j) {
    if (s[j] == '(')
      ++depth;
    else if (s[j] == ')' && --depth == 0)
      break;
  }
  const size_t stop = j < s.size() ? j + 1 : s.size();
  out.append(s.substr(i, stop - i));
  return stop;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

std::vector<std::string> split_commands(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  auto flush = [&] {
    size_t b = 0, e = cur.size();
    while (b < e && (is_space(cur[b]) || cur[b] == '{')) ++b;
    while (e > b && (is_space(cur[e - 1]) || cur[e - 1] == '}')) --e;
    if (e > b && out.size() < kMaxCommandsPerLine) out.push_back(cur.substr(b, e - b));
    cur.clear();
  };
  for (size_t i = 0; i < line.size();) {
    const char c = line[i];
    if (quote) {
      cur += c;
      if (c == '\\' && quote == '"' && i + 1 < line.size())
        cur += line[++i];
      else if (c == quote)
        quote = 0;
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < line.size()) {
      cur += c;
      cur += line[i + 1];
      i += 2;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      cur += c;
      ++i;
      continue;
    }
    if (c == '$' && i + 1 < line.size() && line[i + 1] == '(') {  // $(...) stays one piece of a word
      cur += '$';
      i = copy_substitution(line, i + 1, cur);
      continue;
    }
    if (c == '`') {
      i = copy_substitution(line, i, cur);
      continue;
    }
    if (c == '#' && (cur.empty() || is_space(cur.back()))) break;  // a comment to the end of the line
    if (c == ';' || c == '|' || c == '(' || c == ')' ||
        (c == '&' && !(i > 0 && line[i - 1] == '>') && !(i + 1 < line.size() && line[i + 1] == '>'))) {
      flush();
      ++i;
      continue;
    }
    cur += c;
    ++i;
  }
  flush();
  return out;
}

Command parse_command(std::string_view s) {
  Command cmd;
  std::string word;
  bool in_word = false;
  // What the next word is for: an output target, a here-document marker, an input file (skipped).
  enum class Next { Word, Output, Heredoc, Input } next = Next::Word;
  bool append = false, keep = true;
  auto end_word = [&] {
    if (!in_word) return;
    switch (next) {
      case Next::Word:
        cmd.words.push_back(std::move(word));
        break;
      case Next::Output:
        if (keep) cmd.redirects.push_back({std::move(word), append});
        break;
      case Next::Heredoc:
        cmd.heredoc_marker = std::move(word);
        break;
      case Next::Input:
        break;
    }
    word.clear();
    in_word = false;
    next = Next::Word;
  };
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (is_space(c)) {
      end_word();
      ++i;
      continue;
    }
    if (c == '\'') {
      const size_t end = s.find('\'', i + 1);
      word.append(s.substr(i + 1, (end == std::string_view::npos ? s.size() : end) - i - 1));
      in_word = true;
      i = end == std::string_view::npos ? s.size() : end + 1;
      continue;
    }
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && std::string_view("\"\\$`").find(s[i + 1]) != std::string_view::npos)
          ++i;
        word += s[i];
      }
      ++i;
      in_word = true;
      continue;
    }
    if (c == '\\' && i + 1 < s.size()) {
      word += s[i + 1];
      in_word = true;
      i += 2;
      continue;
    }
    if (c == '>' || (c == '&' && i + 1 < s.size() && s[i + 1] == '>')) {
      // "2>", "1>>", "&>": a lone digit before it is the file descriptor, not a word.
      std::string fd;
      if (in_word && word.size() == 1 && std::isdigit(static_cast<unsigned char>(word[0]))) {
        fd = word;
        word.clear();
        in_word = false;
      }
      end_word();
      if (c == '&') ++i;
      ++i;
      append = i < s.size() && s[i] == '>';
      if (append) ++i;
      if (i < s.size() && s[i] == '&') {  // >&2: a duplication, not a file
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        continue;
      }
      keep = fd.empty() || fd == "1";
      next = Next::Output;
      continue;
    }
    if (c == '<') {
      end_word();
      if (i + 1 < s.size() && s[i + 1] == '<') {
        i += 2;
        if (i < s.size() && s[i] == '-') ++i;
        if (i < s.size() && s[i] == '<') {  // <<< a here-string: its word is data
          ++i;
          next = Next::Input;
          continue;
        }
        next = Next::Heredoc;
      } else {
        ++i;
        next = Next::Input;
      }
      continue;
    }
    word += c;
    in_word = true;
    ++i;
  }
  end_word();
  return cmd;
}

std::string expand_home(std::string_view path) {
  if (starts_with(path, "~/")) return "/root/" + std::string(path.substr(2));
  if (starts_with(path, "$HOME/")) return "/root/" + std::string(path.substr(6));
  if (starts_with(path, "${HOME}/")) return "/root/" + std::string(path.substr(8));
  return std::string(path);
}

std::string destination_kind(std::string_view raw) {
  const std::string p = expand_home(raw);
  auto ends = [&](std::string_view s) {
    return p.size() >= s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0;
  };
  if (p == "/etc/crontab" || starts_with(p, "/etc/cron.d/") || starts_with(p, "/var/spool/cron/")) return "cron";
  for (std::string_view d : {"/etc/cron.hourly/", "/etc/cron.daily/", "/etc/cron.weekly/", "/etc/cron.monthly/"})
    if (starts_with(p, d)) return "cron_script";
  if (p == "/etc/ld.so.preload") return "preload";
  if (p == "/etc/hosts") return "hosts";
  if (ends("/.ssh/authorized_keys") || ends("/.ssh/authorized_keys2")) return "ssh_keys";
  for (std::string_view d : {"/etc/systemd/system/", "/lib/systemd/system/", "/usr/lib/systemd/system/"})
    if (starts_with(p, d) && (ends(".service") || ends(".timer"))) return "systemd_unit";
  for (std::string_view f : {"/etc/rc.local", "/etc/rc.d/rc.local", "/etc/profile", "/etc/bash.bashrc", "/root/.bashrc",
                             "/root/.bash_profile", "/root/.profile"})
    if (p == f) return "startup";
  if (starts_with(p, "/etc/profile.d/") || starts_with(p, "/etc/init.d/")) return "startup";
  return {};
}

}  // namespace msw::formats::script::shell
