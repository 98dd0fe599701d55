#include "respond/apply.h"

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>

#include <sys/stat.h>

#include "core/time.h"
#include "respond/credentials.h"
#include "respond/line_edit.h"
#include "respond/program.h"

namespace msw::respond {
namespace {
namespace fs = std::filesystem;

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

class Applier {
 public:
  Applier(const SystemRoot& root, Journal& j, const ApplyOptions& o) : root_(root), journal_(j), options_(o) {
    // Compared with resolved targets, so each is resolved the same way (links followed) once here.
    std::error_code ec;
    for (const std::string& p : options_.protected_paths) {
      const fs::path real = fs::weakly_canonical(fs::absolute(p, ec), ec);
      protected_.push_back((ec ? fs::path(p) : real).lexically_normal().string());
    }
    const fs::path journal_dir = fs::weakly_canonical(fs::absolute(journal_.dir(), ec), ec);
    protected_.push_back((ec ? fs::path(journal_.dir()) : journal_dir).lexically_normal().string());
  }

  StepOutcome step(size_t n, const PlannedAction& p, std::span<const PlannedAction> plan) {
    StepOutcome out{n, std::string(model::to_string(p.action.kind)), p.action.target, "manual", "", ""};
    const auto& a = p.action;
    switch (a.kind) {
      case model::ActionKind::QuarantineFile:
        quarantine(a, out);
        return out;
      case model::ActionKind::RemoveService:
        if (!a.target.empty() && a.target.find('/') == std::string::npos && a.target.find('\\') == std::string::npos) {
          disable_unit(a, out);  // a unit name (a dropper's `systemctl enable`)
          return out;
        }
        [[fallthrough]];
      case model::ActionKind::RemoveCronEntry:
      case model::ActionKind::RemoveAutorun:
      case model::ActionKind::RestoreHostsFile:
        if (a.kind == model::ActionKind::RestoreHostsFile && a.expected_text.empty()) {
          out.message = a.detail_en;  // which lines of a tampered hosts file go: a person decides
          return out;
        }
        remove_line(a, plan, out);
        return out;
      case model::ActionKind::RotateCredentials:
        credentials(a, out);
        return out;
      case model::ActionKind::KillProcess:
        kill_process(a, out);
        return out;
      case model::ActionKind::BlockPort:
        block(a, out);
        return out;
      case model::ActionKind::Rescan:
        set(out, "skipped", "run minesweep triage again");
        return out;
      default:
        out.message = a.detail_en;  // hosts lines, DNS, Windows objects, patches: a person decides
        return out;
    }
  }

 private:
  static void set(StepOutcome& out, std::string status, std::string message) {
    out.status = std::move(status);
    out.message = std::move(message);
  }

  // The plan's path on the system being cleaned, or nothing (and why, in `out`) when it must not be touched.
  std::optional<RootedFile> target_file(const std::string& target, StepOutcome& out) {
    if (target.empty() || target[0] != '/' || target.find(":\\") != std::string::npos) {
      set(out, "manual", "not a path on this host");
      return std::nullopt;
    }
    auto file = root_.resolve(target);
    if (!file) {
      if (file.error().code == "respond.missing")
        set(out, "skipped", "not there any more (" + file.error().message + ")");
      else
        set(out, "refused", file.error().message);
      return std::nullopt;
    }
    for (const auto& q : protected_)
      if (file->path == q || file->path.starts_with(q == "/" ? q : q + "/")) {
        set(out, "refused", "inside the evidence, the case or the quarantine (" + q + ")");
        return std::nullopt;
      }
    return std::move(file).value();
  }

  // Whether the last name is there, and what it is, without following it.
  static bool exists(const RootedFile& f, StepOutcome& out) {
    struct stat st {};
    if (::fstatat(f.dir.get(), f.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      set(out, "skipped", "not there any more");
      return false;
    }
    if (S_ISLNK(st.st_mode)) {
      set(out, "refused", f.path + " is a symbolic link: not followed (remove the link by hand if it is the worm's)");
      return false;
    }
    return true;
  }

  void quarantine(const model::RemediationAction& a, StepOutcome& out) {
    auto file = target_file(a.target, out);
    if (!file || !exists(*file, out)) return;
    auto r = journal_.quarantine(*file, a.expected_sha256);
    if (r)
      set(out, "done", "quarantined (sha256 " + r->sha256 + ")");
    else
      set(out, r.error().code == "respond.not_file" || r.error().code == "respond.not_flagged" ? "refused" : "failed",
          r.error().message);
  }

  void remove_line(const model::RemediationAction& a, std::span<const PlannedAction> plan, StepOutcome& out) {
    // path:line (a cron entry, a start-up script line, a unit's line) or a plain path.
    std::string path = a.target, line;
    if (const size_t c = a.target.rfind(':');
        c != std::string::npos && all_digits(std::string_view(a.target).substr(c + 1))) {
      path = a.target.substr(0, c);
      line = a.target.substr(c + 1);
    }
    if (line.empty() && a.expected_text.empty()) {
      // A whole file (ld.so.preload): the plan quarantines it in its own step.
      const bool covered = std::any_of(plan.begin(), plan.end(), [&](const PlannedAction& q) {
        return q.action.kind == model::ActionKind::QuarantineFile && q.action.target == a.target;
      });
      if (covered)
        set(out, "skipped", "covered by the quarantine step for the same file");
      else
        out.message = a.detail_en;
      return;
    }
    auto file = target_file(path, out);
    if (!file || !exists(*file, out)) return;
    auto content = read_rooted(*file);
    if (!content) {
      set(out, content.error().code == "respond.not_file" ? "refused" : "failed", content.error().message);
      return;
    }
    FlaggedLine flagged;
    flagged.line = line.empty() ? 0 : std::stoull(line);  // 0: wherever the text is (a line a dropper wrote)
    flagged.text = a.expected_text;
    flagged.triage_sha256 = a.expected_sha256;
    flagged.continuations = a.kind != model::ActionKind::RemoveCronEntry;
    auto edit = comment_out_flagged(content->bytes, content->meta.sha256, flagged);
    if (!edit) {
      if (edit.error().code == "respond.line_done")
        set(out, "skipped", "already commented out");
      else
        set(out, "refused", file->path + ": " + edit.error().message);
      return;
    }
    if (a.kind == model::ActionKind::RemoveService && root_.live()) {
      const std::string unit = fs::path(path).filename().string();
      const int rc = run_program({"systemctl", "disable", "--now", "--", unit});
      (void)journal_.note(
          "systemd-disable", unit, "systemctl exit " + std::to_string(rc),
          rc == 0 ? std::vector<std::string>{"systemctl", "enable", "--now", "--", unit} : std::vector<std::string>{});
    }
    auto r = journal_.edit(*file, content->meta.sha256, edit->content, a.target);
    if (!r) {
      set(out, r.error().code == "respond.changed" ? "refused" : "failed", r.error().message);
      return;
    }
    std::string lines;
    for (auto l : edit->lines) lines += (lines.empty() ? "" : ", ") + std::to_string(l);
    set(out, "done",
        std::string(edit->lines.size() == 1 ? "commented out line " : "commented out lines ") + lines +
            (edit->note.empty() ? "" : " (" + edit->note + ")"));
  }

  void disable_unit(const model::RemediationAction& a, StepOutcome& out) {
    if (!root_.live()) {
      out.message = "systemd units are disabled only on the live host: " + a.detail_en;
      return;
    }
    if (run_program({"systemctl", "cat", "--", a.target}) != 0) {
      set(out, "skipped", "no systemd unit " + a.target);
      return;
    }
    const int rc = run_program({"systemctl", "disable", "--now", "--", a.target});
    (void)journal_.note("systemd-disable", a.target, "systemctl exit " + std::to_string(rc),
                        rc == 0 ? std::vector<std::string>{"systemctl", "enable", "--now", "--", a.target}
                                : std::vector<std::string>{});
    if (rc == 0)
      set(out, "done", "stopped and disabled (undo enables and starts it again)");
    else
      set(out, "failed", "systemctl disable exit " + std::to_string(rc));
  }

  void credentials(const model::RemediationAction& a, StepOutcome& out) {
    const std::string& account = a.target;
    auto shadow_file = root_.resolve("/etc/shadow");
    auto shadow = shadow_file ? read_rooted(*shadow_file) : Result<FileContent>(shadow_file.error());
    if (!shadow) {
      set(out, "manual",
          "cannot read /etc/shadow on " + root_.path() + " (" + shadow.error().message + "): " + a.detail_en);
      return;
    }
    std::string passwd;
    if (auto pf = root_.resolve("/etc/passwd"))
      if (auto pc = read_rooted(*pf)) passwd = std::move(pc->bytes);
    const CredentialChange change =
        credential_change(account, root_.live() ? options_.operator_account : "", passwd, shadow->bytes);
    std::string secret;
    auto edited = [&]() -> Result<std::string> {
      if (change == CredentialChange::Lock) return lock_in_shadow(shadow->bytes, account);
      auto password = random_password();
      auto hash = password ? hash_password(*password) : Result<std::string>(password.error());
      if (!hash) return hash.error();
      secret = *password;
      return reset_in_shadow(shadow->bytes, account, *hash, now_utc().unix_ns / 1000000000 / 86400);
    }();
    if (!edited) {
      if (edited.error().code == "respond.no_account")
        set(out, "manual",
            "no account " + account + " in /etc/shadow (a Windows account? do it on that host): " + a.detail_en);
      else
        set(out, edited.error().code == "respond.line_done" ? "skipped" : "failed", edited.error().message);
      return;
    }
    auto r = journal_.edit(*shadow_file, shadow->meta.sha256, *edited,
                           (change == CredentialChange::Lock ? "lock " : "new password for ") + account);
    if (!r) {
      set(out, "failed", r.error().message);
      return;
    }
    if (change == CredentialChange::Lock) {
      set(out, "done", "password locked (passwd -l); set a new one before unlocking");
    } else {
      const bool why_root = planned_credential_change(account) == CredentialChange::Reset;
      set(out, "done",
          "new password set, shown once below (not locked: " +
              std::string(why_root                               ? account + " is never locked"
                          : account == options_.operator_account ? "it is the account you are working as"
                                                                 : "it is the last root login") +
              ")");
      out.secret = std::move(secret);
    }
  }

  void kill_process(const model::RemediationAction& a, StepOutcome& out) {
    const std::string pid = a.target.starts_with("pid ") ? a.target.substr(4) : a.target;
    if (!root_.live() || !all_digits(pid)) {
      out.message = "processes are stopped only on the live host";
      return;
    }
    const int process = std::stoi(pid);
    if (process <= 1 || process == ::getpid()) {
      set(out, "refused", "pid " + pid + " is init or minesweep itself");
      return;
    }
    if (::kill(process, 0) != 0) {
      set(out, "skipped", "not running");
      return;
    }
    ::kill(process, SIGSTOP);  // no restart or respawn while the rest is cleaned
    const bool killed = ::kill(process, SIGKILL) == 0;
    (void)journal_.note("kill", a.target, killed ? "killed" : "could not kill");
    if (killed)
      set(out, "done", "killed");
    else
      set(out, "failed", "could not kill " + pid);
  }

  void block(const model::RemediationAction& a, StepOutcome& out) {
    if (!options_.harden || !root_.live()) {
      set(out, "skipped", "hardening: only with --harden on the live host");
      return;
    }
    std::vector<std::string> rule;
    if (all_digits(a.target))
      rule = {"INPUT", "-p", "tcp", "--dport", a.target, "-j", "DROP"};
    else if (a.target.find_first_not_of("0123456789abcdefABCDEF.:/") == std::string::npos)
      rule = {"INPUT", "-s", a.target, "-j", "DROP"};
    else
      return;
    std::vector<std::string> add = {"iptables", "-I"}, remove = {"iptables", "-D"};
    add.insert(add.end(), rule.begin(), rule.end());
    remove.insert(remove.end(), rule.begin(), rule.end());
    const int rc = run_program(add);
    (void)journal_.note("firewall", a.target, "iptables exit " + std::to_string(rc),
                        rc == 0 ? remove : std::vector<std::string>{});
    if (rc == 0)
      set(out, "done", "firewall rule added");
    else
      set(out, "failed", "iptables exit " + std::to_string(rc));
  }

  const SystemRoot& root_;
  Journal& journal_;
  const ApplyOptions& options_;
  std::vector<std::string> protected_;
};

}  // namespace

std::vector<StepOutcome> apply_plan(std::span<const PlannedAction> plan, const SystemRoot& root, Journal& journal,
                                    const ApplyOptions& options) {
  Applier a(root, journal, options);
  std::vector<StepOutcome> out;
  size_t n = 0;
  for (const auto& p : plan) {
    out.push_back(a.step(++n, p, plan));
    const auto& o = out.back();
    if (o.status != "done") (void)journal.note("step", o.kind + " " + o.target, o.status + ": " + o.message);
  }
  return out;
}

}  // namespace msw::respond
