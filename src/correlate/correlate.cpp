#include "correlate/correlate.h"

#include <map>
#include <set>

namespace msw::correlate {

Graph build_graph(std::string_view subject_host, std::span<const model::Finding> findings) {
  Graph g;
  std::set<std::pair<model::EntityKind, std::string>> seen;
  auto entity = [&](model::EntityKind kind, const std::string& key) {
    if (seen.emplace(kind, key).second) g.entities.push_back({{kind, key}, key});
    return model::EntityKey{kind, key};
  };
  std::set<std::tuple<std::string, std::string, model::EdgeKind>> seen_edges;
  auto edge = [&](const model::EntityKey& a, const model::EntityKey& b, model::EdgeKind kind, const std::string& rule) {
    if (seen_edges.emplace(std::string(model::to_string(a.kind)) + ":" + a.key,
                           std::string(model::to_string(b.kind)) + ":" + b.key, kind)
            .second)
      g.edges.push_back({a, b, kind, rule});
  };

  const std::string host_name = subject_host.empty() ? "(unknown host)" : std::string(subject_host);
  const model::EntityKey host = entity(model::EntityKind::Host, host_name);
  for (const auto& f : findings) {
    std::vector<model::EntityKey> files;
    for (const auto& ev : f.evidence) {
      if (ev.path.empty()) continue;
      auto file = entity(model::EntityKind::File, ev.path);
      edge(host, file, model::EdgeKind::Contains, f.rule_id);
      if (files.empty() || !(files.back() == file)) files.push_back(file);
    }
    std::map<std::string, std::vector<const model::Observable*>> by_context;
    for (const auto& o : f.observables) {
      model::EntityKind kind;
      switch (o.kind) {
        case model::ObservableKind::Domain: kind = model::EntityKind::Domain; break;
        case model::ObservableKind::Ip: kind = model::EntityKind::Ip; break;
        case model::ObservableKind::Url: kind = model::EntityKind::Url; break;
        case model::ObservableKind::Md5:
        case model::ObservableKind::Sha1:
        case model::ObservableKind::Sha256: kind = model::EntityKind::Hash; break;
        case model::ObservableKind::Account: kind = model::EntityKind::Account; break;
        case model::ObservableKind::ScheduledTask: kind = model::EntityKind::ScheduledTask; break;
        case model::ObservableKind::Service: kind = model::EntityKind::Service; break;
        default: kind = model::EntityKind::File;
      }
      auto node = entity(kind, o.value);
      for (const auto& file : files) edge(file, node, model::EdgeKind::Contains, f.rule_id);
      if (!o.context.empty()) by_context[o.context].push_back(&o);
    }
    for (const auto& [ctx, group] : by_context)
      for (const auto* d : group)
        for (const auto* i : group)
          if (d->kind == model::ObservableKind::Domain && i->kind == model::ObservableKind::Ip)
            edge({model::EntityKind::Domain, d->value}, {model::EntityKind::Ip, i->value}, model::EdgeKind::Resolves,
                 f.rule_id);
  }
  return g;
}

Verdict summarize(std::span<const model::Finding> findings) {
  Verdict v;
  for (const auto& f : findings) {
    ++v.findings;
    ++v.by_severity[static_cast<size_t>(f.severity)];
    v.worst = std::max(v.worst, f.severity);
  }
  return v;
}

std::string Verdict::headline(std::string_view lang) const {
  const bool zh = lang == "zh";
  if (!actionable())
    return zh ? "未发现需要处置的问题。" : "No actionable findings.";
  const size_t count = findings - by_severity[0];
  const std::string n = std::to_string(count);
  const std::string noun = count == 1 ? " actionable finding." : " actionable findings.";
  switch (worst) {
    case model::Severity::Critical:
    case model::Severity::High:
      return zh ? "主机已失陷的可能性高：" + n + " 项需要处置的发现。" : "Likely compromised: " + n + noun;
    case model::Severity::Medium:
      return zh ? "存在可疑迹象：" + n + " 项需要核实的发现。" : "Suspicious: " + n + (count == 1 ? " finding to verify." : " findings to verify.");
    default:
      return zh ? "有 " + n + " 项低风险发现。" : n + (count == 1 ? " low-severity finding." : " low-severity findings.");
  }
}

}  // namespace msw::correlate
