#include <fstream>
#include <iostream>

#include "casedb/case_db.h"
#include "cli/commands.h"
#include "core/time.h"
#include "respond/script.h"

namespace msw::cli {

// `respond CASE`: the plan; `--script ps1|sh`: the reviewable script that carries it out. Applying the plan from
// minesweep itself (quarantine with undo) is the next part of the respond work and refuses to run until then.
int run_respond(const Invocation& inv) {
  std::string path = inv.case_path;
  if (path.empty() && inv.args.positional().size() == 1) path = inv.args.positional()[0];
  if (path.empty() || inv.args.positional().size() > 1) return usage_error("respond", "give exactly one CASE file");
  if (inv.args.has("--apply") || inv.args.has("--undo"))
    return usage_error("respond", "--apply and --undo are not built yet in this version: generate a script with "
                                  "--script sh|ps1, review it, and run it with --apply / -Apply");
  std::optional<respond::ScriptKind> kind;
  if (auto s = inv.args.value("--script")) {
    if (*s == "ps1" || *s == "powershell") kind = respond::ScriptKind::PowerShell;
    else if (*s == "sh" || *s == "bash") kind = respond::ScriptKind::Bash;
    else return usage_error("respond", "--script takes ps1 or sh");
  }
  auto db = casedb::CaseDb::open(path, /*read_only=*/true);
  if (!db) return input_error("respond", db.error());
  auto data = report::load(*db);
  if (!data) return input_error("respond", data.error());
  const bool zh = inv.lang == report::Lang::Zh;

  std::string text;
  if (kind) {
    respond::ScriptOptions o;
    o.kind = *kind;
    o.chinese = zh;
    o.case_path = path;
    o.generated = to_iso8601(now_utc(), 0);
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
