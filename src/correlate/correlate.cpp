#include "correlate/correlate.h"

#include <map>
#include <optional>
#include <set>

#include "correlate/storyline.h"

namespace msw::correlate {

namespace {

// The entity an observable names; nullopt for kinds that are no node of their own (wallets, mutexes, e-mail and bare
// file names stay observables of the finding).
std::optional<model::EntityKind> entity_kind(model::ObservableKind k) {
  using K = model::ObservableKind;
  using E = model::EntityKind;
  switch (k) {
    case K::Domain:
      return E::Domain;
    case K::Ip:
      return E::Ip;
    case K::Url:
      return E::Url;
    case K::Md5:
    case K::Sha1:
    case K::Sha256:
      return E::Hash;
    case K::Account:
      return E::Account;
    case K::ScheduledTask:
      return E::ScheduledTask;
    case K::Service:
      return E::Service;
    case K::WmiObject:
      return E::WmiBinding;
    case K::RegistryKey:
      return E::RegistryValue;
    case K::FilePath:
      return E::File;
    default:
      return std::nullopt;
  }
}

bool is_persistence_node(model::EntityKind k) {
  return k == model::EntityKind::ScheduledTask || k == model::EntityKind::Service ||
         k == model::EntityKind::WmiBinding || k == model::EntityKind::RegistryValue;
}

}  // namespace

Graph build_graph(std::string_view subject_host, std::span<const model::Finding> findings) {
  Graph g;
  std::set<std::pair<model::EntityKind, std::string>> seen;
  auto entity = [&](model::EntityKind kind, const std::string& key, std::string label = {}) {
    if (seen.emplace(kind, key).second) g.entities.push_back({{kind, key}, label.empty() ? key : std::move(label)});
    return model::EntityKey{kind, key};
  };
  std::set<std::tuple<std::string, std::string, model::EdgeKind>> seen_edges;
  auto edge = [&](const model::EntityKey& a, const model::EntityKey& b, model::EdgeKind kind, const std::string& rule) {
    if (a == b) return;
    if (seen_edges
            .emplace(std::string(model::to_string(a.kind)) + ":" + a.key,
                     std::string(model::to_string(b.kind)) + ":" + b.key, kind)
            .second)
      g.edges.push_back({a, b, kind, rule});
  };

  const std::string host_name = subject_host.empty() ? "(unknown host)" : std::string(subject_host);
  const model::EntityKey host = entity(model::EntityKind::Host, host_name);
  std::map<std::string, std::set<std::string>> paths_by_sha256;  // evidence files, for "same hash as"
  for (const auto& f : findings) {
    const StepKind part = step_kind_of(f.rule_id);
    std::vector<model::EntityKey> files;
    for (const auto& ev : f.evidence) {
      if (ev.path.empty()) continue;
      auto file = entity(model::EntityKind::File, ev.path);
      edge(host, file, model::EdgeKind::Contains, f.rule_id);
      if (files.empty() || !(files.back() == file)) files.push_back(file);
      if (ev.sha256.size() == 64 && paths_by_sha256.size() < 100'000) paths_by_sha256[ev.sha256].insert(ev.path);
    }
    std::map<std::string, std::vector<const model::Observable*>> by_context;
    std::vector<model::EntityKey> nodes;
    std::optional<model::EntityKey> process, persistence;
    for (const auto& o : f.observables) {
      auto kind = entity_kind(o.kind);
      if (!kind) continue;
      auto node = entity(*kind, o.value);
      nodes.push_back(node);
      for (const auto& file : files) edge(file, node, model::EdgeKind::Contains, f.rule_id);
      if (!o.context.empty()) by_context[o.context].push_back(&o);
      // A running program: the process (by pid) runs the executable the observable names.
      if (const std::string pid = pid_in(o.context); !pid.empty() && !process)
        process = entity(model::EntityKind::Process, "pid " + pid, "PID " + pid);
      if (is_persistence_node(*kind) && !persistence) persistence = node;
    }
    for (const auto& [ctx, group] : by_context)
      for (const auto* d : group)
        for (const auto* i : group)
          if (d->kind == model::ObservableKind::Domain && i->kind == model::ObservableKind::Ip)
            edge({model::EntityKind::Domain, d->value}, {model::EntityKind::Ip, i->value}, model::EdgeKind::Resolves,
                 f.rule_id);

    // What the finding's part in the story says about how its entities relate.
    switch (part) {
      case StepKind::Miner:
      case StepKind::Connection:
        if (!process) break;
        edge(host, *process, model::EdgeKind::Contains, f.rule_id);
        for (const auto& n : nodes) {
          if (n.kind == model::EntityKind::File) edge(*process, n, model::EdgeKind::Runs, f.rule_id);
          if (n.kind == model::EntityKind::Ip || n.kind == model::EntityKind::Domain)
            edge(*process, n, model::EdgeKind::ConnectsTo, f.rule_id);
        }
        break;
      case StepKind::Persistence: {
        // The task, service, WMI binding or Run value; a cron line is its own entry in its file.
        model::EntityKey via = persistence.value_or(model::EntityKey{});
        if (!persistence) {
          if (f.evidence.empty()) break;
          const auto& e = f.evidence.front();
          via = entity(model::EntityKind::CronEntry, e.path + ":" + std::to_string(e.line), e.excerpt.substr(0, 200));
          if (!files.empty()) edge(files.front(), via, model::EdgeKind::Contains, f.rule_id);
        }
        edge(host, via, model::EdgeKind::PersistsVia, f.rule_id);
        for (const auto& n : nodes) {
          if (n.kind == model::EntityKind::File) edge(n, via, model::EdgeKind::StartedBy, f.rule_id);
          if (n.kind == model::EntityKind::Url) edge(via, n, model::EdgeKind::DownloadedFrom, f.rule_id);
        }
        break;
      }
      case StepKind::Entry:
      case StepKind::NextHost:
        // Who logged on (or tried to) from where.
        for (const auto& a : nodes)
          if (a.kind == model::EntityKind::Account)
            for (const auto& ip : nodes)
              if (ip.kind == model::EntityKind::Ip) edge(a, ip, model::EdgeKind::LoggedOnFrom, f.rule_id);
        for (const auto& ip : nodes)
          if (ip.kind == model::EntityKind::Ip) edge(host, ip, model::EdgeKind::LoggedOnFrom, f.rule_id);
        break;
      default:
        break;
    }
  }
  // One payload under several names: each copy links to the first.
  for (const auto& [sha, paths] : paths_by_sha256) {
    if (paths.size() < 2) continue;
    const model::EntityKey first{model::EntityKind::File, *paths.begin()};
    for (auto it = std::next(paths.begin()); it != paths.end(); ++it)
      edge({model::EntityKind::File, *it}, first, model::EdgeKind::SameHashAs, "");
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
  if (!actionable()) return zh ? "未发现需要处置的问题。" : "No actionable findings.";
  const size_t count = findings - by_severity[0];
  const std::string n = std::to_string(count);
  const std::string noun = count == 1 ? " actionable finding." : " actionable findings.";
  switch (worst) {
    case model::Severity::Critical:
    case model::Severity::High:
      return zh ? "主机已失陷的可能性高：" + n + " 项需要处置的发现。" : "Likely compromised: " + n + noun;
    case model::Severity::Medium:
      return zh ? "存在可疑迹象：" + n + " 项需要核实的发现。"
                : "Suspicious: " + n + (count == 1 ? " finding to verify." : " findings to verify.");
    default:
      return zh ? "有 " + n + " 项低风险发现。"
                : n + (count == 1 ? " low-severity finding." : " low-severity findings.");
  }
}

}  // namespace msw::correlate
