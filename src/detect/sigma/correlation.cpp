#include "detect/sigma/correlation.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <unordered_map>

#include "core/time.h"
#include "core/ip.h"

namespace msw::detect::sigma {
namespace {

constexpr char kKeySep = '\x1f';

// Where a rule reference points: a detection rule, or another correlation.
struct Ref {
  bool is_correlation = false;
  size_t index = 0;  // into the rules vector
};

std::optional<size_t> find_rule(const std::vector<Rule>& rules, std::string_view ref) {
  for (size_t i = 0; i < rules.size(); ++i)
    if ((!rules[i].name.empty() && rules[i].name == ref) || (!rules[i].id.empty() && rules[i].id == ref)) return i;
  return std::nullopt;
}

// The field one input of a correlation reads for a group-by key or the counted value, aliases resolved.
std::string field_for(const Correlation& c, std::string_view key, const Rule& input) {
  for (const auto& [alias, per_rule] : c.aliases) {
    if (alias != key) continue;
    for (const auto& [ref, field] : per_rule)
      if ((!input.name.empty() && ref == input.name) || (!input.id.empty() && ref == input.id)) return field;
  }
  return std::string(key);
}

// One recorded event: enough to list it as evidence later.
struct EventRef {
  uint32_t artefact = 0;  // index into artefacts_
  uint64_t record = 0;    // EventRecordID, line number, or byte offset
};

// One input occurrence of a correlation: a matching event, or a firing of a referenced correlation.
struct Hit {
  int64_t lo = 0, hi = 0;  // time span (an event: lo == hi)
  uint32_t group = 0, value = 0, slot = 0;
  uint32_t ev_begin = 0, ev_count = 0;    // contributing events in the node's pool
  uint32_t win_begin = 0, win_count = 0;  // of those, the window that made a referenced correlation fire
  uint64_t ev_total = 0;                  // contributing events, including ones not listed
};

// A firing of a correlation, for findings and for correlations that name this one.
struct Firing {
  int64_t lo = 0, hi = 0;  // lo: when the condition was met; hi: the last contributing time
  int64_t first = 0;       // earliest contributing time
  uint32_t group = 0;
  std::vector<uint32_t> events;  // global event indices, at most kMaxEventsPerFinding
  std::vector<uint32_t> window;  // the events of the window that met the condition, at most kMaxWindowEvents
  uint64_t ev_total = 0;
  std::vector<uint32_t> values;  // value_count: the distinct values seen
};

struct Node {
  size_t rule = 0;                                  // index into rules
  std::vector<Ref> inputs;                          // one per slot
  std::vector<std::vector<std::string>> group_fields;  // per slot, per group-by key
  std::vector<std::string> value_fields;            // per slot (value_count)
  bool reported = true;
  std::vector<Hit> hits;
  std::vector<uint32_t> pool;
  std::unordered_map<std::string, uint32_t> group_ids;
  std::vector<std::string> groups;
  std::unordered_map<std::string, uint32_t> value_ids;
  std::vector<std::string> values;
  std::vector<Firing> firings;
};

class CorrelationEngine final : public CaseEngine {
 public:
  CorrelationEngine(std::vector<Rule> rules, Diagnostics& diags) : rules_(std::move(rules)), diags_(diags) {}

  // Resolves references and orders the nodes so that every correlation comes after the ones it names.
  bool build(const std::vector<bool>& correlation_only) {
    std::vector<int> state(rules_.size(), 0);  // 0 unvisited, 1 visiting, 2 done, 3 failed
    for (size_t i = 0; i < rules_.size(); ++i)
      if (rules_[i].correlation) visit(i, state);
    for (auto& n : nodes_)
      for (size_t s = 0; s < n.inputs.size(); ++s)
        if (!n.inputs[s].is_correlation) base_uses_[n.inputs[s].index].push_back({static_cast<size_t>(&n - nodes_.data()), s});
    std::vector<const Rule*> bases;
    for (const auto& [rule, uses] : base_uses_) bases.push_back(&rules_[rule]);
    base_index_ = std::make_unique<RuleIndex>(std::move(bases));
    for (auto& n : nodes_) n.reported = !correlation_only[n.rule];
    return !nodes_.empty();
  }

  std::string_view name() const override { return "sigma-correlation"; }

  void observe(const ArtefactView& artefact, const model::Event& ev) override {
    std::optional<uint32_t> recorded;  // an event matching several rules is recorded once
    matched_.clear();
    base_index_->match(ev, matched_);
    for (const Rule* rule : matched_) {
      const auto b = static_cast<size_t>(rule - rules_.data());
      if (!ev.time) {
        ++untimed_;
        continue;
      }
      if (!recorded && events_.size() >= kMaxCorrelationEvents) {
        ++dropped_;
        continue;
      }
      if (!recorded) recorded = record_event(artefact, ev);
      const uint32_t ev_index = *recorded;
      for (const auto& [node_index, slot] : base_uses_[b]) {
        Node& n = nodes_[node_index];
        Hit h;
        h.lo = h.hi = ev.time->unix_ns;
        h.slot = static_cast<uint32_t>(slot);
        std::string key;
        for (const auto& f : n.group_fields[slot]) {
          const std::string* v = ev.get(f);
          if (v) key += *v;
          key += kKeySep;
        }
        auto g = intern(n.group_ids, n.groups, key);
        if (!g) {
          ++dropped_;
          continue;
        }
        h.group = *g;
        if (!n.value_fields.empty()) {
          const std::string* v = ev.get(n.value_fields[slot]);
          if (!v || v->empty()) continue;  // value_count counts values, not events without one
          auto vid = intern(n.value_ids, n.values, *v);
          if (!vid) {
            ++dropped_;
            continue;
          }
          h.value = *vid;
        }
        h.ev_begin = h.win_begin = static_cast<uint32_t>(n.pool.size());
        h.ev_count = h.win_count = 1;
        h.ev_total = 1;
        n.pool.push_back(ev_index);
        n.hits.push_back(h);
      }
    }
  }

  void finish(std::vector<model::Finding>& out) override {
    if (dropped_)
      diags_.add("sigma.correlation_limit", DiagSeverity::Warning, "", 0,
                 std::to_string(dropped_) + " matches were not kept for correlation (limits: " +
                     std::to_string(kMaxCorrelationEvents) + " events, " + std::to_string(kMaxCorrelationGroups) +
                     " groups per rule); correlation results may be incomplete");
    if (untimed_)
      diags_.add("sigma.correlation_untimed", DiagSeverity::Info, "", 0,
                 std::to_string(untimed_) + " matching events had no time and could not be correlated");
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      evaluate(n);
      feed_consumers(i);
      if (n.reported) report(n, out);
      n.hits.clear();
      n.pool.clear();
    }
  }

 private:
  void visit(size_t i, std::vector<int>& state) {
    if (state[i] == 2 || state[i] == 3) return;
    const Rule& r = rules_[i];
    const std::string label = r.title.empty() ? r.id : r.title;
    if (state[i] == 1) {
      diags_.add("sigma.unsupported", DiagSeverity::Info, r.file, 0, "correlation '" + label + "' is part of a cycle");
      state[i] = 3;
      return;
    }
    state[i] = 1;
    const Correlation& c = *r.correlation;
    Node n;
    n.rule = i;
    for (const auto& ref : c.rules) {
      auto target = find_rule(rules_, ref);
      if (!target) {
        diags_.add("sigma.unsupported", DiagSeverity::Info, r.file, 0,
                   "correlation '" + label + "' names rule '" + ref + "', which is not loaded");
        state[i] = 3;
        return;
      }
      const Rule& t = rules_[*target];
      if (t.correlation) {
        visit(*target, state);
        if (state[*target] != 2) {
          state[i] = 3;
          return;
        }
      } else if (!t.compiled) {
        state[i] = 3;
        return;
      }
      n.inputs.push_back({static_cast<bool>(t.correlation), *target});
      std::vector<std::string> fields;
      for (const auto& key : c.group_by) fields.push_back(field_for(c, key, t));
      n.group_fields.push_back(std::move(fields));
      if (c.type == Correlation::Type::ValueCount) n.value_fields.push_back(field_for(c, c.field, t));
    }
    state[i] = 2;
    nodes_.push_back(std::move(n));
  }

  static std::optional<uint32_t> intern(std::unordered_map<std::string, uint32_t>& ids, std::vector<std::string>& names,
                                        const std::string& key) {
    if (auto it = ids.find(key); it != ids.end()) return it->second;
    if (names.size() >= kMaxCorrelationGroups) return std::nullopt;
    const auto id = static_cast<uint32_t>(names.size());
    ids.emplace(key, id);
    names.push_back(key);
    return id;
  }

  uint32_t record_event(const ArtefactView& a, const model::Event& ev) {
    uint32_t art;
    if (!artefacts_.empty() && artefacts_.back() == a.path) {
      art = static_cast<uint32_t>(artefacts_.size() - 1);
    } else if (auto it = artefact_ids_.find(std::string(a.path)); it != artefact_ids_.end()) {
      art = it->second;
    } else {
      art = static_cast<uint32_t>(artefacts_.size());
      artefacts_.emplace_back(a.path);
      artefact_sha_.emplace_back(a.sha256);
      artefact_ids_.emplace(std::string(a.path), art);
    }
    EventRef r{art, ev.offset};
    for (auto f : {model::Field::EventRecordID, model::Field::LineNumber}) {
      const std::string* v = ev.get(f);
      uint64_t n = 0;
      if (v && std::from_chars(v->data(), v->data() + v->size(), n).ec == std::errc()) {
        r.record = n;
        break;
      }
    }
    events_.push_back(r);
    event_times_.push_back(ev.time->unix_ns);
    return static_cast<uint32_t>(events_.size() - 1);
  }

  // Windows over each group's time-ordered hits; consecutive satisfied windows that share events are one firing.
  void evaluate(Node& n) {
    const Correlation& c = *rules_[n.rule].correlation;
    std::sort(n.hits.begin(), n.hits.end(), [](const Hit& a, const Hit& b) {
      return a.group != b.group ? a.group < b.group : a.lo < b.lo;
    });
    const size_t slots = n.inputs.size();
    for (size_t a = 0; a < n.hits.size();) {
      size_t b = a;
      while (b < n.hits.size() && n.hits[b].group == n.hits[a].group) ++b;
      if (c.type == Correlation::Type::TemporalOrdered) evaluate_ordered(n, c, a, b, slots);
      else evaluate_window(n, c, a, b, slots);
      a = b;
    }
  }

  void evaluate_window(Node& n, const Correlation& c, size_t a, size_t b, size_t slots) {
    std::unordered_map<uint32_t, uint32_t> value_counts;
    std::vector<uint32_t> slot_counts(slots, 0);
    size_t distinct_slots = 0;
    size_t i = a;
    std::optional<Firing> open;
    size_t open_end = 0;  // last hit index of the open firing
    auto add = [&](const Hit& h) {
      if (c.type == Correlation::Type::ValueCount) ++value_counts[h.value];
      if (slot_counts[h.slot]++ == 0) ++distinct_slots;
    };
    auto remove = [&](const Hit& h) {
      if (c.type == Correlation::Type::ValueCount)
        if (auto it = value_counts.find(h.value); it != value_counts.end() && --it->second == 0) value_counts.erase(it);
      if (--slot_counts[h.slot] == 0) --distinct_slots;
    };
    for (size_t j = a; j < b; ++j) {
      add(n.hits[j]);
      while (n.hits[j].lo - n.hits[i].lo > c.timespan_ns) remove(n.hits[i++]);
      double measure = 0;
      switch (c.type) {
        case Correlation::Type::EventCount: measure = static_cast<double>(j - i + 1); break;
        case Correlation::Type::ValueCount: measure = static_cast<double>(value_counts.size()); break;
        default: measure = static_cast<double>(distinct_slots); break;
      }
      if (measure < c.min || measure > c.max) continue;
      if (open && i <= open_end) {  // overlaps the open firing: extend it
        for (size_t k = open_end + 1; k <= j; ++k) take(n, *open, n.hits[k], false);
        open_end = j;
        open->hi = std::max(open->hi, n.hits[j].hi);
        continue;
      }
      if (open) n.firings.push_back(std::move(*open));
      open.emplace();
      open->group = n.hits[j].group;
      open->lo = n.hits[j].lo;
      open->first = n.hits[i].lo;
      open->hi = n.hits[j].hi;
      for (size_t k = i; k <= j; ++k) take(n, *open, n.hits[k], true);
      open_end = j;
    }
    if (open) n.firings.push_back(std::move(*open));
  }

  // Ordered: rule 1, then rule 2, ... within the timespan of the first. state[k]: the best partial sequence that
  // has completed slots 0..k-1 (the one whose first element ended latest, so it has the most time left).
  void evaluate_ordered(Node& n, const Correlation& c, size_t a, size_t b, size_t slots) {
    struct Partial {
      int64_t first_hi = 0, first_lo = 0;
      std::vector<size_t> members;
    };
    std::vector<std::optional<Partial>> state(slots + 1);
    for (size_t j = a; j < b; ++j) {
      const Hit& h = n.hits[j];
      const size_t s = h.slot;
      std::optional<Partial> next;
      if (s == 0) {
        next = Partial{h.hi, h.lo, {j}};
      } else if (state[s] && h.lo - state[s]->first_hi <= c.timespan_ns) {
        next = *state[s];
        next->members.push_back(j);
      }
      if (!next) continue;
      if (s + 1 == slots) {
        Firing f;
        f.group = h.group;
        f.lo = h.lo;
        f.first = next->first_lo;
        f.hi = h.hi;
        for (size_t m : next->members) {
          take(n, f, n.hits[m], true);
          f.hi = std::max(f.hi, n.hits[m].hi);
        }
        n.firings.push_back(std::move(f));
        std::fill(state.begin(), state.end(), std::nullopt);
        continue;
      }
      if (!state[s + 1] || next->first_hi >= state[s + 1]->first_hi) state[s + 1] = std::move(next);
    }
  }

  // Adds the hit's events to the firing; `window`: the hit is part of the window that meets the condition.
  void take(const Node& n, Firing& f, const Hit& h, bool window) const {
    for (uint32_t k = 0; k < h.ev_count && f.events.size() < kMaxEventsPerFinding; ++k)
      f.events.push_back(n.pool[h.ev_begin + k]);
    for (uint32_t k = 0; window && k < h.win_count && f.window.size() < kMaxWindowEvents; ++k)
      f.window.push_back(n.pool[h.win_begin + k]);
    f.ev_total += h.ev_total;
    if (!n.value_fields.empty() && f.values.size() < 1000 &&
        std::find(f.values.begin(), f.values.end(), h.value) == f.values.end())
      f.values.push_back(h.value);
  }

  // Firings of node i become hits of every correlation that names it.
  void feed_consumers(size_t i) {
    const Node& producer = nodes_[i];
    const Correlation& pc = *rules_[producer.rule].correlation;
    for (auto& consumer : nodes_) {
      for (size_t s = 0; s < consumer.inputs.size(); ++s) {
        if (!consumer.inputs[s].is_correlation || consumer.inputs[s].index != producer.rule) continue;
        for (const Firing& f : producer.firings) {
          // The consumer's group-by keys are read from the producer's group values of the same name.
          const std::string& pkey = producer.groups[f.group];
          std::vector<std::string_view> pvals;
          for (size_t p = 0, q; (q = pkey.find(kKeySep, p)) != std::string::npos; p = q + 1)
            pvals.push_back(std::string_view(pkey).substr(p, q - p));
          std::string key;
          for (const auto& field : consumer.group_fields[s]) {
            for (size_t g = 0; g < pc.group_by.size() && g < pvals.size(); ++g)
              if (pc.group_by[g] == field) {
                key += pvals[g];
                break;
              }
            key += kKeySep;
          }
          auto gid = intern(consumer.group_ids, consumer.groups, key);
          if (!gid) {
            ++dropped_;
            continue;
          }
          Hit h;
          h.lo = f.lo;
          h.hi = f.hi;
          h.group = *gid;
          h.slot = static_cast<uint32_t>(s);
          h.ev_begin = static_cast<uint32_t>(consumer.pool.size());
          h.ev_count = static_cast<uint32_t>(f.events.size());
          h.ev_total = f.ev_total;
          consumer.pool.insert(consumer.pool.end(), f.events.begin(), f.events.end());
          h.win_begin = static_cast<uint32_t>(consumer.pool.size());
          h.win_count = static_cast<uint32_t>(f.window.size());
          consumer.pool.insert(consumer.pool.end(), f.window.begin(), f.window.end());
          consumer.hits.push_back(h);
        }
      }
    }
  }

  // One finding per group: the events of the window that fired first, listed per artefact as record ranges, and a
  // count of every other contributing event.
  void report(const Node& n, std::vector<model::Finding>& out) const {
    const Rule& r = rules_[n.rule];
    const Correlation& c = *r.correlation;
    std::map<uint32_t, std::vector<const Firing*>> by_group;
    for (const auto& f : n.firings) by_group[f.group].push_back(&f);
    for (const auto& [group, firings] : by_group) {
      model::Finding fd = rule_finding(r);
      fd.title_zh = "Sigma 关联规则命中：" + r.title;
      // The group's values, named.
      std::string where, where_zh;
      const std::string& key = n.groups[group];
      size_t p = 0;
      for (const auto& g : c.group_by) {
        size_t q = key.find(kKeySep, p);
        if (q == std::string::npos) break;
        const std::string value = key.substr(p, q - p);
        p = q + 1;
        if (value.empty()) continue;
        where += (where.empty() ? "" : ", ") + g + "=" + value;
        if (auto ip = parse_ip(value))
          fd.observables.push_back({model::ObservableKind::Ip, ip->to_string(), "group of " + r.title});
        else if (g.find("User") != std::string::npos || g.find("Account") != std::string::npos)
          fd.observables.push_back({model::ObservableKind::Account, value, "group of " + r.title});
      }
      // The window that fired first is listed; every other contributing event is counted.
      const Firing* earliest = firings.front();
      std::vector<uint32_t> all;
      uint64_t total = 0;
      std::vector<uint32_t> values;
      for (const Firing* f : firings) {
        if (f->lo < earliest->lo) earliest = f;
        if (!fd.time || f->lo < fd.time->unix_ns) fd.time = Timestamp{f->lo};
        for (uint32_t e : f->events)
          if (all.size() < kMaxEventsPerFinding) all.push_back(e);
        total += f->ev_total;
        for (uint32_t v : f->values)
          if (values.size() < 20 && std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
      }
      std::vector<uint32_t> window = earliest->window;
      for (auto* list : {&all, &window}) {
        std::sort(list->begin(), list->end());
        list->erase(std::unique(list->begin(), list->end()), list->end());
      }
      auto span_of = [&](const std::vector<uint32_t>& list) {
        if (list.empty()) return std::string();
        int64_t first = event_times_[list.front()], last = first;
        for (uint32_t e : list) {
          first = std::min(first, event_times_[e]);
          last = std::max(last, event_times_[e]);
        }
        return " between " + to_iso8601(Timestamp{first}, 0) + " and " + to_iso8601(Timestamp{last}, 0);
      };
      const uint64_t contributing = std::max<uint64_t>(total, all.size());
      fd.description_en = std::to_string(firings.size()) + " time(s) within " + describe_span(c.timespan_ns) +
                          (where.empty() ? "" : " for " + where) +
                          ". The window that fired first: " + std::to_string(window.size()) + " events" +
                          span_of(window) + " (listed); " + std::to_string(contributing) +
                          " contributing events in all" + span_of(all) + ".";
      fd.description_zh = "在 " + describe_span(c.timespan_ns) + " 时间窗口内触发 " + std::to_string(firings.size()) +
                          " 次" + (where.empty() ? "" : "（" + where + "）") + "。首次触发的窗口含 " +
                          std::to_string(window.size()) + " 条事件（已列出），相关事件共 " +
                          std::to_string(contributing) + " 条。";
      if (!values.empty()) {
        std::string list;
        for (uint32_t v : values) list += (list.empty() ? "" : ", ") + n.values[v];
        fd.description_en += " Values of " + c.field + ": " + list + ".";
        fd.description_zh += c.field + " 的取值：" + list + "。";
      }
      if (!r.description.empty()) fd.description_en += " " + r.description;
      add_event_evidence(window, contributing, fd);
      out.push_back(std::move(fd));
    }
  }

  static std::string describe_span(int64_t ns) {
    const int64_t s = ns / 1'000'000'000;
    if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
    if (s % 60 == 0) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
  }

  // Per artefact: the listed records as ranges ("records 5-304, 310"), then how many more contributed.
  void add_event_evidence(const std::vector<uint32_t>& events, uint64_t total, model::Finding& fd) const {
    std::map<uint32_t, std::vector<uint64_t>> per_artefact;
    for (uint32_t e : events) per_artefact[events_[e].artefact].push_back(events_[e].record);
    for (auto& [art, recs] : per_artefact) {
      std::sort(recs.begin(), recs.end());
      std::string text = "records ";
      size_t shown = 0;
      for (size_t i = 0; i < recs.size(); ++shown) {
        size_t j = i;
        while (j + 1 < recs.size() && recs[j + 1] <= recs[j] + 1) ++j;
        if (text.size() > 3000) {
          text += ", ...";
          break;
        }
        text += (shown ? ", " : "") + std::to_string(recs[i]);
        if (j > i) text += "-" + std::to_string(recs[j]);
        i = j + 1;
      }
      text += " (" + std::to_string(recs.size()) + (recs.size() == 1 ? " event)" : " events)");
      fd.evidence.push_back({artefacts_[art], artefact_sha_[art], 0, 0, 0, std::move(text)});
    }
    if (total > events.size())
      fd.evidence.push_back(
          {"", "", 0, 0, 0, std::to_string(total - events.size()) + " more contributing events, outside that window"});
  }

  std::vector<Rule> rules_;
  Diagnostics& diags_;
  std::vector<Node> nodes_;                                   // correlations, producers before consumers
  std::map<size_t, std::vector<std::pair<size_t, size_t>>> base_uses_;  // detection rule -> (node, slot)
  std::unique_ptr<RuleIndex> base_index_;
  std::vector<const Rule*> matched_;
  std::vector<EventRef> events_;
  std::vector<int64_t> event_times_;
  std::vector<std::string> artefacts_, artefact_sha_;
  std::unordered_map<std::string, uint32_t> artefact_ids_;
  uint64_t dropped_ = 0, untimed_ = 0;
};

}  // namespace

std::vector<bool> correlation_only(const std::vector<Rule>& rules) {
  std::vector<bool> out(rules.size(), false);
  for (const auto& r : rules) {
    if (!r.correlation || r.correlation->generate) continue;
    for (const auto& ref : r.correlation->rules)
      if (auto i = find_rule(rules, ref)) out[*i] = true;
  }
  return out;
}

std::vector<bool> correlation_inputs(const std::vector<Rule>& rules) {
  std::vector<bool> out(rules.size(), false);
  for (const auto& r : rules)
    if (r.correlation)
      for (const auto& ref : r.correlation->rules)
        if (auto i = find_rule(rules, ref)) out[*i] = true;
  return out;
}

std::unique_ptr<CaseEngine> make_correlation_engine(const std::vector<Rule>& rules, Diagnostics& diags) {
  if (std::none_of(rules.begin(), rules.end(), [](const Rule& r) { return r.correlation != nullptr; })) return nullptr;
  auto engine = std::make_unique<CorrelationEngine>(rules, diags);
  if (!engine->build(correlation_only(rules))) return nullptr;
  return engine;
}

}  // namespace msw::detect::sigma
