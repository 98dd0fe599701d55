#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "baseline/baseline.h"
#include "casedb/case_db.h"
#include "cli/commands.h"
#include "core/time.h"
#include "respond/apply.h"
#include "respond/script.h"

namespace msw::cli {

namespace {

int run_undo(const std::string& journal) {
  auto r = respond::undo(journal);
  if (!r) return input_error("respond", r.error());
  for (const auto& m : r->messages) std::cout << "  " << respond::comment_text(m) << "\n";
  for (const auto& m : r->left) std::cout << "  not undone: " << respond::comment_text(m) << "\n";
  std::cout << "restored " << r->restored << ", not undone " << r->left.size() << " (journal " << journal << ")\n";
  return r->left.empty() ? kExitClean : kExitFindings;
}

// The account the responder is working as: sudo's caller, else the login name, else the real user.
std::string operator_account() {
  if (const char* s = std::getenv("SUDO_USER"); s && *s) return s;
  char name[256] = {};
  if (::getlogin_r(name, sizeof name) == 0 && name[0]) return name;
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  return {};
}

// `respond CASE --apply`: after a confirmation (or --yes), every step through the quarantine journal.
int run_apply(const Invocation& inv, const std::string& case_path, const report::ReportData& data) {
  auto root = respond::SystemRoot::open(inv.args.value("--root").value_or("/"));
  if (!root) return input_error("respond", root.error());
  respond::ApplyOptions o;
  o.harden = inv.args.has("--harden");
  o.operator_account = operator_account();
  // The case and every evidence input (triage's bundle is one).
  o.protected_paths.push_back(std::filesystem::absolute(case_path).string());
  for (const auto& e : data.evidence)
    if (!e.path.empty()) o.protected_paths.push_back(std::filesystem::absolute(e.path).string());
  std::string dir = inv.args.value("--quarantine").value_or("");
  if (dir.empty()) {
    std::string stamp = to_iso8601(now_utc(), 0);
    std::erase(stamp, ':');
    dir = (root->live() ? std::string("/var/lib/minesweep") : std::filesystem::current_path().string()) +
          "/quarantine-" + stamp;
  }
  if (data.meta.status != casedb::CaseStatus::Complete)
    std::cerr << "minesweep respond: warning: the case is " << casedb::to_string(data.meta.status)
              << " (its run did not finish), so the plan may miss what the run did not reach\n";
  if (!inv.args.has("--yes")) {
    std::cout << data.plan.size() << " steps on " << root->path() << ", quarantine and journal in " << dir
              << ". Type yes to apply: " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || answer != "yes")
      return usage_error("respond", "not confirmed; nothing changed");
  }
  std::error_code ec;
  if (root->live()) std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);
  auto journal = respond::Journal::open(dir);
  if (!journal) return input_error("respond", journal.error());
  const auto outcomes = respond::apply_plan(data.plan, *root, *journal, o);
  // Every step's outcome goes into the case as well as the journal.
  {
    std::vector<casedb::RemediationRecord> records;
    const int64_t now = now_utc().unix_ns;
    for (const auto& s : outcomes)
      records.push_back({now, static_cast<int64_t>(s.step), s.kind, s.target, s.status, s.message, journal->path()});
    auto rw = casedb::CaseDb::open(case_path, /*read_only=*/false);
    if (!rw || !rw->add_remediation(records))
      std::cerr << "minesweep respond: the outcomes could not be written to the case; they are in the journal\n";
  }
  size_t failed = 0;
  for (const auto& s : outcomes) {
    std::cout << s.step << ". [" << s.status << "] " << s.kind << " " << respond::comment_text(s.target)
              << (s.message.empty() ? "" : " — " + respond::comment_text(s.message)) << "\n";
    // Shown here only: the journal and the case never hold it.
    if (!s.secret.empty())
      std::cout << "   new password for " << respond::comment_text(s.target) << ": " << s.secret << "\n";
    failed += s.status == "failed";
  }
  std::cout << "journal: " << journal->path() << " (undo: minesweep respond --undo " << journal->path() << ")\n";
  return failed == 0 ? kExitClean : kExitFindings;
}

}  // namespace

// `respond CASE`: the plan; `--script ps1|sh`: the reviewable script that carries it out; `--apply`: carry it out
// here with quarantine and an undo journal; `--undo JOURNAL`: put everything back.
int run_respond(const Invocation& inv) {
  if (auto journal = inv.args.value("--undo")) return run_undo(*journal);
  std::string path = inv.case_path;
  if (path.empty() && inv.args.positional().size() == 1) path = inv.args.positional()[0];
  if (path.empty() || inv.args.positional().size() > 1) return usage_error("respond", "give exactly one CASE file");
  std::optional<respond::ScriptKind> kind;
  if (auto s = inv.args.value("--script")) {
    if (*s == "ps1" || *s == "powershell")
      kind = respond::ScriptKind::PowerShell;
    else if (*s == "sh" || *s == "bash")
      kind = respond::ScriptKind::Bash;
    else
      return usage_error("respond", "--script takes ps1 or sh");
  }
  auto db = casedb::CaseDb::open(path, /*read_only=*/true);
  if (!db) return input_error("respond", db.error());
  auto data = report::load(*db);
  if (!data) return input_error("respond", data.error());
  const bool zh = inv.lang == report::Lang::Zh;
  if (inv.args.has("--apply")) return run_apply(inv, path, *data);

  std::string text;
  if (kind) {
    respond::ScriptOptions o;
    o.kind = *kind;
    o.chinese = zh;
    o.case_path = path;
    o.generated = to_iso8601(now_utc(), 0);
    // The baseline's failed checks with an exact fix for this shell, as the optional hardening section.
    if (auto checks = baseline::evaluate(*db))
      for (const auto& c : *checks) {
        const std::string& cmd = *kind == respond::ScriptKind::PowerShell ? c.fix_powershell : c.fix_bash;
        if (c.status == baseline::Status::Fail && !cmd.empty())
          o.hardening.push_back({c.id, zh ? c.title_zh : c.title_en, cmd});
      }
    text = respond::write_script(data->plan, o);
  } else if (data->plan.empty()) {
    text = zh ? "处置计划为空：没有需要处置的发现。\n" : "The plan is empty: no finding calls for a change.\n";
  } else {
    size_t n = 0;
    for (const auto& p : data->plan) {
      text += std::to_string(++n) + ". [" + std::string(model::to_string(p.action.kind)) + "] " +
              respond::comment_text(p.action.target) + "\n   " +
              respond::comment_text(zh ? p.action.detail_zh : p.action.detail_en) + "\n";
    }
  }
  if (auto out = inv.args.value("--out")) {
    std::ofstream f(*out, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) return usage_error("respond", "cannot write " + *out);
  } else {
    std::cout << text;
  }
  return kExitClean;
}

}  // namespace msw::cli
