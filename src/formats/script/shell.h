// Shell droppers read the way sh reads them, for formats/script: commands split on ; && || | outside quotes, words
// with '...' and "..." quoting undone, redirections and here-documents taken apart; and where a write lands (a
// crontab, ld.so.preload, /etc/hosts, a start-up file, authorized_keys, a systemd unit), so that the dropper's
// `echo LINE >> FILE` becomes a record a responder can reverse.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace msw::formats::script::shell {

struct Redirect {
  std::string target;
  bool append = false;
};

struct Command {
  std::vector<std::string> words;   // unquoted; redirections removed
  std::vector<Redirect> redirects;  // output redirections (> and >>), file descriptors other than 1 ignored
  std::string heredoc_marker;       // `<<EOF` / `<<'EOF'` / `<<-EOF`: the marker, unquoted
};

// The commands of one line, in order (at most 64; a line with more is read up to there).
std::vector<std::string> split_commands(std::string_view line);
Command parse_command(std::string_view command);

// What a write to `path` installs: "cron" (crontab lines), "cron_script" (a script run by cron), "preload",
// "hosts", "startup" (a boot or login script), "ssh_keys", "systemd_unit", or "" for anything else.
// `~` and `$HOME` are read as /root: droppers run as root.
std::string destination_kind(std::string_view path);
// `path` with `~/` and `$HOME` expanded to /root.
std::string expand_home(std::string_view path);

}  // namespace msw::formats::script::shell
