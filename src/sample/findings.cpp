#include "sample/findings.h"

#include <set>

#include "sample/dropper_undo.h"

namespace msw::sample {
namespace {

using nlohmann::json;

// Commands that change the host: a script with them is a dropper or an installer of persistence.
bool changes_host(const std::string& kind) {
  static const std::set<std::string> kinds = {
      "scheduled_task",  "wmi_subscription", "registry_run", "service",       "port_proxy", "account_add",
      "admin_group_add", "hosts_write",      "download",     "firewall_rule", "cron_write", "startup_write",
      "ssh_key_write",   "preload_write",    "file_write",   "systemd_enable"};
  return kinds.count(kind) != 0;
}

class Collector {
 public:
  Collector(const std::string& path, const std::string& sha256, std::vector<model::Finding>& out)
      : path_(path), sha256_(sha256), out_(out) {}

  void walk(const json& node, const std::string& inside, size_t depth) {
    const std::string where = inside.empty() ? path_ : path_ + " → " + inside;
    const std::string node_sha = depth == 0 ? sha256_ : field(node, "sha256");
    const std::string family = field(node, "family");
    for (const auto& m : node["yara"]) yara(m, node, where, node_sha, family);
    if (node.contains("pe")) packers(node["pe"], where, node_sha, family);
    if (node.contains("script")) script(node["script"], where, node_sha, family);
    if (node.contains("archive") && node["archive"].contains("sfx_script"))
      sfx(node["archive"]["sfx_script"], where, node_sha);
    if (depth > 0)
      for (const auto& k : node["intel"]) known(k, where, node_sha);
    for (const auto& c : node["children"])
      if (!c.contains("limit")) walk(c, (inside.empty() ? "" : inside + " → ") + field(c, "name"), depth + 1);
  }

 private:
  model::Finding base(std::string rule, model::Severity sev, const std::string& where, const std::string& sha,
                      const std::string& family) {
    model::Finding f;
    f.rule_id = std::move(rule);
    f.engine = "sample";
    f.severity = sev;
    f.family = family;
    model::EvidenceRef e;
    e.path = where;
    e.sha256 = sha;
    f.evidence.push_back(std::move(e));
    if (sev >= model::Severity::High) {
      // The file itself is what to take away; a member is taken away with its container.
      model::RemediationAction a;
      a.kind = model::ActionKind::QuarantineFile;
      a.target = path_;
      a.detail_en = "quarantine " + path_;
      a.detail_zh = "隔离 " + path_;
      f.actions.push_back(std::move(a));
    }
    return f;
  }

  void yara(const json& m, const json& node, const std::string& where, const std::string& sha,
            const std::string& family) {
    const auto& meta = m["meta"];
    auto sev = model::Severity::Medium;
    if (meta.contains("severity") && meta["severity"].is_string())
      if (auto s = model::severity_from_string(meta["severity"].get<std::string>())) sev = *s;
    const std::string rule = field(m, "rule");
    const std::string fam =
        meta.contains("family") && meta["family"].is_string() ? meta["family"].get<std::string>() : family;
    auto f = base("yara." + rule, sev, m.contains("member") ? where + " → " + field(m, "member") : where, sha, fam);
    f.engine = "yara";
    f.title_en = "YARA " + rule + " matches " + field(node, "name");
    f.title_zh = "YARA 规则 " + rule + " 命中 " + field(node, "name");
    const std::string description =
        meta.contains("description") && meta["description"].is_string() ? meta["description"].get<std::string>() : "";
    std::string hits;
    for (const auto& s : m["strings"]) {
      hits += (hits.empty() ? "" : ", ") + field(s, "id") + " at " + std::to_string(s["offset"].get<uint64_t>());
      if (f.evidence[0].offset == 0) f.evidence[0].offset = s["offset"].get<uint64_t>();
    }
    f.description_en = (description.empty() ? "" : description + ". ") + "Rule file " + field(m, "namespace") +
                       (hits.empty() ? "." : "; strings " + hits + ".");
    f.description_zh = (description.empty() ? "" : description + "。") + "规则文件 " + field(m, "namespace") +
                       (hits.empty() ? "。" : "；命中字符串 " + hits + "。");
    if (meta.contains("attack") && meta["attack"].is_string()) f.attack.push_back(meta["attack"].get<std::string>());
    out_.push_back(std::move(f));
  }

  void packers(const json& pe, const std::string& where, const std::string& sha, const std::string& family) {
    for (const auto& t : pe["tools"]) {
      const std::string kind = field(t, "kind");
      if (kind != "packer" && kind != "protector") continue;
      auto f = base("sample.packed_executable", kind == "protector" ? model::Severity::High : model::Severity::Medium,
                    where, sha, family);
      f.title_en = "Executable " + (kind == "protector" ? std::string("protected") : std::string("packed")) + " with " +
                   field(t, "name");
      f.title_zh = "可执行文件使用 " + field(t, "name") + (kind == "protector" ? " 保护" : " 加壳");
      f.description_en = "Evidence: " + field(t, "evidence") +
                         ". Packing hides code from scanners; miners and worm droppers are routinely packed.";
      f.description_zh = "依据：" + field(t, "evidence") + "。加壳可躲避扫描，挖矿木马和蠕虫投放器常见加壳。";
      f.attack = {"T1027.002"};
      out_.push_back(std::move(f));
    }
  }

  void script(const json& s, const std::string& where, const std::string& sha, const std::string& family) {
    std::set<std::string> kinds, attack;
    std::string list;
    size_t n = 0;
    for (const auto& c : s["commands"]) {
      const std::string kind = field(c, "kind");
      if (!changes_host(kind)) continue;
      kinds.insert(kind);
      attack.insert(field(c, "attack"));
      if (n++ < 8)
        list += (list.empty() ? "" : "; ") + kind + " (line " + std::to_string(c["line"].get<size_t>()) + ")";
    }
    if (kinds.empty()) return;
    const auto sev = !family.empty() || kinds.size() >= 2 ? model::Severity::High : model::Severity::Medium;
    auto f = base("sample.script_changes_host", sev, where, sha, family);
    f.title_en = "Script that changes the host: " + std::to_string(n) + " commands (" + field(s, "language") + ")";
    f.title_zh = "修改主机的脚本：" + std::to_string(n) + " 条命令（" + field(s, "language") + "）";
    f.description_en = "Commands: " + list + (family.empty() ? "." : ". Its indicators belong to " + family + ".");
    f.description_zh = "命令：" + list + (family.empty() ? "。" : "。其指标属于 " + family + " 家族。");
    f.attack.assign(attack.begin(), attack.end());
    // The plan reverses what the dropper did, step by step, each with the script line that did it.
    for (auto& step : dropper_undo(s["commands"])) {
      if (f.evidence.size() < 32) {
        model::EvidenceRef e;
        e.path = where;
        e.sha256 = sha;
        e.line = step.line;
        e.excerpt = step.text;
        f.evidence.push_back(std::move(e));
      }
      f.actions.push_back(std::move(step.action));
    }
    out_.push_back(std::move(f));
  }

  void sfx(const json& s, const std::string& where, const std::string& sha) {
    if (s["runs"].empty()) return;
    std::string runs;
    for (const auto& r : s["runs"]) runs += (runs.empty() ? "" : ", ") + r.get<std::string>();
    const bool silent = s["silent"].get<bool>();
    auto f = base("sample.sfx_runs_program", silent ? model::Severity::High : model::Severity::Low, where, sha, "");
    f.title_en = std::string("Self-extractor ") + (silent ? "silently " : "") + "runs " + runs;
    f.title_zh = std::string("自解压程序") + (silent ? "静默" : "") + "运行 " + runs;
    f.description_en = "The WinRAR SFX script in the archive comment starts " + runs + " after extracting" +
                       (field(s, "path").empty() ? "" : " into " + field(s, "path")) + ".";
    f.description_zh = "压缩包注释中的 WinRAR 自解压脚本在解压" +
                       (field(s, "path").empty() ? std::string() : "到 " + field(s, "path") + " ") + "后运行 " + runs +
                       "。";
    f.attack = {"T1204.002"};
    out_.push_back(std::move(f));
  }

  void known(const json& k, const std::string& where, const std::string& sha) {
    const std::string family = field(k, "family");
    auto f = base("sample.known_member", family.empty() ? model::Severity::High : model::Severity::Critical, where, sha,
                  family);
    f.engine = "ioc";
    f.title_en = "Known malicious file inside a container" + (family.empty() ? std::string() : " (" + family + ")");
    f.title_zh = "容器内含已知恶意文件" + (family.empty() ? std::string() : "（" + family + "）");
    f.description_en = "Its " + field(k, "type") + " is listed by " + field(k, "source") + ".";
    f.description_zh = "其 " + field(k, "type") + " 见于 " + field(k, "source") + "。";
    out_.push_back(std::move(f));
  }

  const std::string& path_;
  const std::string& sha256_;
  std::vector<model::Finding>& out_;
};

}  // namespace

std::vector<model::Finding> findings_from(const Analysis& analysis, const std::string& path,
                                          const std::string& sha256) {
  std::vector<model::Finding> out;
  Collector(path, sha256, out).walk(analysis.root, "", 0);
  return out;
}

}  // namespace msw::sample
