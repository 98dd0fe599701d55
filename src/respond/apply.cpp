#include "respond/apply.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"

extern char** environ;

namespace msw::respond {
namespace {
namespace fs = std::filesystem;

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// A program run with arguments (no shell): its exit status, or -1.
int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class Applier {
 public:
  Applier(Journal& j, const ApplyOptions& o) : journal_(j), options_(o) {}

  StepOutcome step(size_t n, const PlannedAction& p, std::span<const PlannedAction> plan) {
    StepOutcome out{n, std::string(model::to_string(p.action.kind)), p.action.target, "manual", ""};
    const auto& a = p.action;
    auto done = [&](std::string m) { out.status = "done"; out.message = std::move(m); };
    auto skip = [&](std::string m) { out.status = "skipped"; out.message = std::move(m); };
    auto fail = [&](const Error& e) { out.status = "failed"; out.message = e.message; };
    // path:line (a cron entry or a start-up script line) or a plain path.
    std::string path = a.target, line;
    if (const size_t c = a.target.rfind(':'); c != std::string::npos && all_digits(std::string_view(a.target).substr(c + 1))) {
      path = a.target.substr(0, c);
      line = a.target.substr(c + 1);
    }
    switch (a.kind) {
      case model::ActionKind::QuarantineFile: {
        auto host = on_host(path, out);
        if (!host) return out;
        if (!fs::exists(fs::symlink_status(*host))) {
          skip("not there any more");
          return out;
        }
        if (auto r = journal_.quarantine(*host)) done("quarantined (sha256 " + r->sha256 + ")");
        else fail(r.error());
        return out;
      }
      case model::ActionKind::RemoveCronEntry:
      case model::ActionKind::RemoveAutorun:
      case model::ActionKind::RemoveService: {
        if (line.empty()) {
          // A whole file (ld.so.preload): the plan quarantines it in its own step.
          const bool covered = std::any_of(plan.begin(), plan.end(), [&](const PlannedAction& q) {
            return q.action.kind == model::ActionKind::QuarantineFile && q.action.target == a.target;
          });
          out.message = covered ? "covered by the quarantine step for the same file" : a.detail_en;
          if (covered) out.status = "skipped";
          return out;
        }
        auto host = on_host(path, out);
        if (!host) return out;
        if (a.kind == model::ActionKind::RemoveService && options_.root == "/") {
          const std::string unit = fs::path(path).filename().string();
          const int rc = run({"systemctl", "disable", "--now", "--", unit});
          (void)journal_.note("systemd-disable", unit, "exit " + std::to_string(rc) + " (re-enable by hand to undo)");
        }
        std::string text = read_all(*host);
        if (text.empty() && !fs::exists(*host)) {
          skip("not there any more");
          return out;
        }
        // Comment the line out (kept visible for the report) rather than delete it.
        size_t start = 0;
        const uint64_t want = std::stoull(line);
        for (uint64_t no = 1; no < want && start != std::string::npos; ++no) {
          start = text.find('\n', start);
          if (start != std::string::npos) ++start;
        }
        if (start == std::string::npos || start >= text.size()) {
          skip("line " + line + " is not there any more");
          return out;
        }
        if (text.compare(start, 24, "# removed by minesweep: ") == 0) {
          skip("already commented out");
          return out;
        }
        text.insert(start, "# removed by minesweep: ");
        if (auto r = journal_.edit(*host, text, a.target)) done("commented out line " + line);
        else fail(r.error());
        return out;
      }
      case model::ActionKind::RotateCredentials: {
        // Lock the password: "!" before the hash in /etc/shadow (what passwd -l does).
        auto host = on_host("/etc/shadow", out);
        if (!host) return out;
        std::string text = read_all(*host);
        const std::string key = a.target + ":";
        size_t at = text.starts_with(key) ? 0 : text.find("\n" + key);
        if (at == std::string::npos) {
          out.message = "no account " + a.target + " in /etc/shadow (a Windows account: " + a.detail_en + ")";
          return out;
        }
        if (at != 0) ++at;
        const size_t hash = at + key.size();
        if (hash < text.size() && text[hash] == '!') {
          skip("already locked");
          return out;
        }
        text.insert(hash, "!");
        if (auto r = journal_.edit(*host, text, "lock " + a.target)) done("password locked; set a new one before unlocking");
        else fail(r.error());
        return out;
      }
      case model::ActionKind::KillProcess: {
        const std::string pid = a.target.starts_with("pid ") ? a.target.substr(4) : a.target;
        if (options_.root != "/" || !all_digits(pid)) {
          out.message = "processes are stopped only on the live host";
          return out;
        }
        const int process = std::stoi(pid);
        if (::kill(process, 0) != 0) {
          skip("not running");
          return out;
        }
        ::kill(process, SIGSTOP);  // no restart or respawn while the rest is cleaned
        const bool killed = ::kill(process, SIGKILL) == 0;
        (void)journal_.note("kill", a.target, killed ? "killed" : "could not kill");
        if (killed) done("killed");
        else fail(Error::make("respond.kill", "could not kill " + pid));
        return out;
      }
      case model::ActionKind::BlockPort: {
        if (!options_.harden || options_.root != "/") {
          skip("hardening: only with --harden on the live host");
          return out;
        }
        std::vector<std::string> cmd;
        if (all_digits(a.target)) cmd = {"iptables", "-I", "INPUT", "-p", "tcp", "--dport", a.target, "-j", "DROP"};
        else if (a.target.find_first_not_of("0123456789abcdefABCDEF.:/") == std::string::npos)
          cmd = {"iptables", "-I", "INPUT", "-s", a.target, "-j", "DROP"};
        else
          return out;
        const int rc = run(cmd);
        (void)journal_.note("firewall", a.target, "iptables exit " + std::to_string(rc));
        if (rc == 0) done("firewall rule added");
        else fail(Error::make("respond.firewall", "iptables exit " + std::to_string(rc)));
        return out;
      }
      case model::ActionKind::Rescan:
        out.status = "skipped";
        out.message = "run minesweep triage again";
        return out;
      default:
        out.message = a.detail_en;  // hosts lines, DNS, Windows objects, patches: a person decides
        return out;
    }
  }

 private:
  // The plan's path on the system being cleaned, or nothing (and why) when it must not be touched.
  std::optional<std::string> on_host(const std::string& target, StepOutcome& out) {
    if (target.empty() || target[0] != '/' || target.find(":\\") != std::string::npos) {
      out.status = "manual";
      out.message = "not a path on this host";
      return std::nullopt;
    }
    const fs::path p = (fs::path(options_.root) / fs::path(target).relative_path()).lexically_normal();
    std::error_code ec;
    // Links resolved, so a path that leads into the evidence through a symbolic link is seen for what it is.
    const fs::path real = fs::weakly_canonical(p, ec);
    const std::string s = p.string(), resolved = ec ? s : real.string();
    const std::string root = fs::path(options_.root).lexically_normal().string();
    if (!(s == root || s.starts_with(root == "/" ? root : root + "/"))) {
      out.status = "refused";
      out.message = "outside the system being cleaned";
      return std::nullopt;
    }
    for (const auto& prot : options_.protected_paths) {
      const fs::path qp = fs::weakly_canonical(fs::absolute(prot, ec), ec);
      const std::string q = (ec ? fs::path(prot) : qp).lexically_normal().string();
      if (s == q || s.starts_with(q + "/") || resolved == q || resolved.starts_with(q + "/")) {
        out.status = "refused";
        out.message = "inside the evidence or the case (" + q + ")";
        return std::nullopt;
      }
    }
    return s;
  }

  Journal& journal_;
  const ApplyOptions& options_;
};

}  // namespace

std::vector<StepOutcome> apply_plan(std::span<const PlannedAction> plan, Journal& journal, const ApplyOptions& options) {
  Applier a(journal, options);
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
