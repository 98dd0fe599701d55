#include "detect/sigma/correlation.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/ip.h"
#include "core/time.h"

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

// A field a correlation reads from every matching event, resolved to fields.def once, not per event.
struct FieldName {
  std::string name;
  std::optional<model::Field> known;
  const std::string* in(const model::Event& e) const {
    if (known) return e.get(*known);
    for (const auto& [n, v] : e.extra)  // not a field of fields.def: only an extra can hold it
      if (n == name) return &v;
    return nullptr;
  }
};

// The field one input of a correlation reads for a group-by key or the counted value, aliases resolved.
FieldName field_for(const Correlation& c, std::string_view key, const Rule& input) {
  auto named = [&](std::string name) {
    auto known = model::field_from_name(name);
    return FieldName{std::move(name), known};
  };
  for (const auto& [alias, per_rule] : c.aliases) {
    if (alias != key) continue;
    for (const auto& [ref, field] : per_rule)
      if ((!input.name.empty() && ref == input.name) || (!input.id.empty() && ref == input.id)) return named(field);
  }
  return named(std::string(key));
}

// One matching event, as the finding lists it: which artefact and record, when, and its place in the run (`seq`:
// events are numbered as they are observed, so the same event matching two inputs is listed once).
struct EventRef {
  uint64_t seq = 0;
  int64_t time = 0;
  uint64_t record = 0;    // EventRecordID, line number, or byte offset
  uint32_t artefact = 0;  // index into artefacts_
  uint32_t unused = 0;
};

// A match of a detection rule that a correlation names, as kept in memory and spilled to disk: fixed size, no
// pointers. Its time is the event's.
struct StoredHit {
  EventRef ev;
  uint32_t node = 0, group = 0, value = 0, slot = 0;
};
static_assert(sizeof(StoredHit) == 48);

bool stored_before(const StoredHit& a, const StoredHit& b) {
  return std::tie(a.node, a.group, a.ev.time, a.ev.seq, a.slot) <
         std::tie(b.node, b.group, b.ev.time, b.ev.seq, b.slot);
}

// One input occurrence of a correlation while its windows are evaluated: a matching event, or a firing of a
// referenced correlation (then it carries that firing's counts and its listed window).
struct Hit {
  int64_t lo = 0, hi = 0;  // time span (an event: lo == hi)
  uint32_t group = 0, value = 0, slot = 0;
  uint64_t order = 0;  // ties in time: events in the order they were observed, then firings in the order made
  uint64_t ev_total = 1;
  int64_t ev_first = 0, ev_last = 0;
  EventRef ev;                                    // an event: itself
  const std::vector<EventRef>* window = nullptr;  // a firing: the events of the window that made it fire
};

bool hit_before(const Hit& a, const Hit& b) {
  return std::tie(a.group, a.lo, a.order, a.slot) < std::tie(b.group, b.lo, b.order, b.slot);
}

Hit to_hit(const StoredHit& s) {
  Hit h;
  h.lo = h.hi = h.ev_first = h.ev_last = s.ev.time;
  h.group = s.group;
  h.value = s.value;
  h.slot = s.slot;
  h.order = s.ev.seq;
  h.ev = s.ev;
  return h;
}

// A firing of a correlation, for findings and for correlations that name this one.
struct Firing {
  int64_t lo = 0, hi = 0;  // lo: when the condition was met; hi: the last contributing time
  int64_t first = 0;       // earliest time in the window that met the condition
  uint32_t group = 0;
  std::vector<EventRef> window;  // the events of the window that met the condition, at most kMaxWindowEvents
  uint64_t ev_total = 0;         // contributing events
  int64_t ev_first = std::numeric_limits<int64_t>::max(), ev_last = std::numeric_limits<int64_t>::min();
  std::vector<uint32_t> values;  // value_count: the distinct values seen
};

// A firing of a referenced correlation, waiting as an input of the correlation that names it.
struct DerivedHit {
  Hit hit;
  std::vector<EventRef> window;
};

// A sorted run of one correlation's hits in the spill file.
struct Run {
  uint64_t first = 0, count = 0;  // in hits
};

// Hits past the memory cap: an unlinked temporary file, appended to in sorted runs and read back when the run ends.
class SpillFile {
 public:
  SpillFile() = default;
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  ~SpillFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Appends `hits`; returns the index of the first, or nullopt (see error()).
  std::optional<uint64_t> append(std::span<const StoredHit> hits) {
    if (fd_ < 0 && !open()) return std::nullopt;
    const uint64_t first = size_;
    const auto* p = reinterpret_cast<const char*>(hits.data());
    size_t left = hits.size_bytes();
    while (left) {
      const ssize_t n =
          ::pwrite(fd_, p, left, static_cast<off_t>(size_ * sizeof(StoredHit) + (hits.size_bytes() - left)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = "writing the correlation spill file: " + std::string(std::strerror(n < 0 ? errno : ENOSPC));
        return std::nullopt;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    size_ += hits.size();
    return first;
  }

  bool read(uint64_t first, std::span<StoredHit> out) const {
    auto* p = reinterpret_cast<char*>(out.data());
    size_t left = out.size_bytes();
    off_t at = static_cast<off_t>(first * sizeof(StoredHit));
    while (left) {
      const ssize_t n = ::pread(fd_, p, left, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      p += n;
      at += n;
      left -= static_cast<size_t>(n);
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool open() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp") + "/minesweep-correlation-XXXXXX";
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ < 0) {
      error_ = "creating a correlation spill file in " + path.substr(0, path.rfind('/')) + ": " + std::strerror(errno) +
               " (set TMPDIR to a writable folder)";
      return false;
    }
    ::unlink(path.c_str());  // gone when closed, even if the run is killed
    return true;
  }

  int fd_ = -1;
  uint64_t size_ = 0;
  std::string error_;
};

// Reads one run back in blocks.
class RunReader {
 public:
  RunReader(const SpillFile& file, Run run) : file_(file), next_(run.first), end_(run.first + run.count) {}

  bool next(StoredHit& out) {
    if (pos_ == block_.size()) {
      const uint64_t n = std::min<uint64_t>(kBlock, end_ - next_);
      block_.resize(n);
      pos_ = 0;
      if (n == 0 || !file_.read(next_, block_)) {
        block_.clear();
        return false;
      }
      next_ += n;
    }
    out = block_[pos_++];
    return true;
  }

 private:
  static constexpr uint64_t kBlock = 4096;
  const SpillFile& file_;
  uint64_t next_, end_;
  std::vector<StoredHit> block_;
  size_t pos_ = 0;
};

// One correlation's hits in (group, time, order) order, merged from its spilled runs, the hits still in memory and
// the firings of the correlations it names.
class HitStream {
 public:
  using Pull = std::function<bool(Hit&)>;
  void add(Pull pull) {
    Source s{std::move(pull), {}, false};
    s.live = s.pull(s.head);
    sources_.push_back(std::move(s));
  }
  bool next(Hit& out) {
    Source* best = nullptr;
    for (auto& s : sources_)
      if (s.live && (!best || hit_before(s.head, best->head))) best = &s;
    if (!best) return false;
    out = best->head;
    best->live = best->pull(best->head);
    return true;
  }

 private:
  struct Source {
    Pull pull;
    Hit head;
    bool live;
  };
  std::vector<Source> sources_;
};

// Adds a hit to a firing; `window`: the hit is part of the window that met the condition.
void take(Firing& f, const Hit& h, bool window, bool counts_values) {
  if (window) {
    if (h.window) {
      for (const EventRef& e : *h.window)
        if (f.window.size() < kMaxWindowEvents) f.window.push_back(e);
    } else if (f.window.size() < kMaxWindowEvents) {
      f.window.push_back(h.ev);
    }
  }
  f.ev_total += h.ev_total;
  f.ev_first = std::min(f.ev_first, h.ev_first);
  f.ev_last = std::max(f.ev_last, h.ev_last);
  if (counts_values && f.values.size() < 1000 && std::find(f.values.begin(), f.values.end(), h.value) == f.values.end())
    f.values.push_back(h.value);
}

using Emit = std::function<void(Firing&&)>;

// event_count, value_count and temporal: a window slides over one group's time-ordered hits; consecutive satisfied
// windows that share hits are one firing. The window holds the hits inside the timespan as buckets: consecutive
// events with the same time, value and input are one bucket that keeps a count and the first kMaxWindowEvents
// references (all a finding lists), so a burst of events within one second costs one bucket, not one entry each.
class WindowEvaluator {
 public:
  WindowEvaluator(const Correlation& c, size_t slots, bool counts_values, const Emit& emit)
      : c_(c), counts_values_(counts_values), emit_(emit), slot_counts_(slots, 0) {}

  void push(const Hit& h) {
    const uint64_t j = pushed_++;
    if (!h.window && !buckets_.empty() && !buckets_.back().hit.window && buckets_.back().hit.lo == h.lo &&
        buckets_.back().hit.value == h.value && buckets_.back().hit.slot == h.slot) {
      Bucket& b = buckets_.back();
      ++b.count;
      if (b.refs.size() < kMaxWindowEvents) b.refs.push_back(h.ev);
    } else {
      buckets_.push_back({h, 1, j, {}});
      if (!h.window) buckets_.back().refs.push_back(h.ev);
    }
    ++hits_;
    if (counts_values_) ++value_counts_[h.value];
    if (slot_counts_[h.slot]++ == 0) ++distinct_slots_;
    while (h.lo - buckets_.front().hit.lo > c_.timespan_ns) pop_front();
    double measure = 0;
    switch (c_.type) {
      case Correlation::Type::EventCount:
        measure = static_cast<double>(hits_);
        break;
      case Correlation::Type::ValueCount:
        measure = static_cast<double>(value_counts_.size());
        break;
      default:
        measure = static_cast<double>(distinct_slots_);
        break;
    }
    if (measure < c_.min || measure > c_.max) return;
    if (has_open_ && buckets_.front().first <= open_end_) {  // overlaps the open firing: extend it
      take_after(open_end_);
      open_end_ = j;
      open_.hi = std::max(open_.hi, h.hi);
      return;
    }
    if (has_open_) emit_(std::move(open_));
    open_ = Firing{};
    has_open_ = true;
    open_.group = h.group;
    open_.lo = h.lo;
    open_.first = buckets_.front().hit.lo;
    open_.hi = h.hi;
    for (const Bucket& b : buckets_) take(b, b.count, true);
    open_end_ = j;
  }

  void end() {
    if (has_open_) emit_(std::move(open_));
    has_open_ = false;
  }

 private:
  struct Bucket {
    Hit hit;                     // the first hit (a firing of a referenced correlation is always a bucket of its own)
    uint64_t count;              // hits in the bucket
    uint64_t first;              // index of the first hit in the group
    std::vector<EventRef> refs;  // the first kMaxWindowEvents events
  };

  void pop_front() {
    const Bucket& b = buckets_.front();
    hits_ -= b.count;
    if (counts_values_)
      if (auto it = value_counts_.find(b.hit.value); it != value_counts_.end() && (it->second -= b.count) == 0)
        value_counts_.erase(it);
    if ((slot_counts_[b.hit.slot] -= b.count) == 0) --distinct_slots_;
    buckets_.pop_front();
  }

  // Adds the hits after index `last` to the open firing (they are at the back of the window).
  void take_after(uint64_t last) {
    auto it = buckets_.end();
    while (it != buckets_.begin() && std::prev(it)->first > last) --it;
    if (it != buckets_.begin() && std::prev(it)->first + std::prev(it)->count > last + 1) {
      const Bucket& partial = *std::prev(it);
      take(partial, partial.first + partial.count - (last + 1), false);
    }
    for (; it != buckets_.end(); ++it) take(*it, it->count, false);
  }

  // Adds `n` of a bucket's hits to the open firing; `window`: they are part of the window that met the condition.
  void take(const Bucket& b, uint64_t n, bool window) {
    Firing& f = open_;
    if (window) {
      const std::vector<EventRef>& refs = b.hit.window ? *b.hit.window : b.refs;
      for (size_t k = 0; k < refs.size() && f.window.size() < kMaxWindowEvents; ++k) f.window.push_back(refs[k]);
    }
    f.ev_total += b.hit.window ? b.hit.ev_total : n;
    f.ev_first = std::min(f.ev_first, b.hit.ev_first);
    f.ev_last = std::max(f.ev_last, b.hit.ev_last);
    if (counts_values_ && f.values.size() < 1000 &&
        std::find(f.values.begin(), f.values.end(), b.hit.value) == f.values.end())
      f.values.push_back(b.hit.value);
  }

  const Correlation& c_;
  const bool counts_values_;
  const Emit& emit_;
  std::deque<Bucket> buckets_;
  uint64_t pushed_ = 0, hits_ = 0;  // hits pushed so far; hits in the window
  std::unordered_map<uint32_t, uint64_t> value_counts_;
  std::vector<uint64_t> slot_counts_;
  size_t distinct_slots_ = 0;
  Firing open_;
  bool has_open_ = false;
  uint64_t open_end_ = 0;  // index of the last hit the open firing holds
};

// temporal_ordered: rule 1, then rule 2, ... within the timespan of the first. state_[k]: the best partial sequence
// that has completed slots 0..k-1 (the one whose first element ended latest, so it has the most time left).
class OrderedEvaluator {
 public:
  OrderedEvaluator(const Correlation& c, size_t slots, bool counts_values, const Emit& emit)
      : c_(c), slots_(slots), counts_values_(counts_values), emit_(emit), state_(slots + 1) {}

  void push(const Hit& h) {
    const size_t s = h.slot;
    std::optional<Partial> next;
    if (s == 0) {
      next = Partial{h.hi, h.lo, {h}};
    } else if (state_[s] && h.lo - state_[s]->first_hi <= c_.timespan_ns) {
      next = *state_[s];
      next->members.push_back(h);
    }
    if (!next) return;
    if (s + 1 == slots_) {
      Firing f;
      f.group = h.group;
      f.lo = h.lo;
      f.first = next->first_lo;
      f.hi = h.hi;
      for (const Hit& m : next->members) {
        take(f, m, true, counts_values_);
        f.hi = std::max(f.hi, m.hi);
      }
      emit_(std::move(f));
      std::fill(state_.begin(), state_.end(), std::nullopt);
      return;
    }
    if (!state_[s + 1] || next->first_hi >= state_[s + 1]->first_hi) state_[s + 1] = std::move(next);
  }

  void end() {}

 private:
  struct Partial {
    int64_t first_hi = 0, first_lo = 0;
    std::vector<Hit> members;
  };
  const Correlation& c_;
  const size_t slots_;
  const bool counts_values_;
  const Emit& emit_;
  std::vector<std::optional<Partial>> state_;
};

// What a finding says about one group: built from its firings as they are made.
struct GroupReport {
  size_t firings = 0;
  int64_t earliest = 0;          // when the first window fired
  std::vector<EventRef> window;  // that window's events
  uint64_t total = 0;            // contributing events
  int64_t first = std::numeric_limits<int64_t>::max(), last = std::numeric_limits<int64_t>::min();
  std::vector<uint32_t> values;  // value_count: up to 20 distinct values

  void add(const Firing& f) {
    if (firings++ == 0 || f.lo < earliest) {
      earliest = f.lo;
      window = f.window;
    }
    total += f.ev_total;
    first = std::min(first, f.ev_first);
    last = std::max(last, f.ev_last);
    for (uint32_t v : f.values)
      if (values.size() < 20 && std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  }
};

struct Node {
  size_t rule = 0;                                   // index into rules
  std::vector<Ref> inputs;                           // one per slot
  std::vector<std::vector<FieldName>> group_fields;  // per slot, per group-by key
  std::vector<FieldName> value_fields;               // per slot (value_count)
  bool reported = true;
  std::unordered_map<std::string, uint32_t> group_ids;
  std::vector<std::string> groups;
  std::unordered_map<std::string, uint32_t> value_ids;
  std::vector<std::string> values;
  std::vector<Run> runs;            // spilled hits
  std::vector<DerivedHit> derived;  // firings of the correlations this one names
};

class CorrelationEngine final : public CaseEngine {
 public:
  CorrelationEngine(std::vector<Rule> rules, Diagnostics& diags, size_t hits_in_memory)
      : rules_(std::move(rules)), diags_(diags), hits_in_memory_(std::max<size_t>(hits_in_memory, 1)) {}

  // Resolves references and orders the nodes so that every correlation comes after the ones it names.
  bool build(const std::vector<bool>& correlation_only) {
    std::vector<int> state(rules_.size(), 0);  // 0 unvisited, 1 visiting, 2 done, 3 failed
    for (size_t i = 0; i < rules_.size(); ++i)
      if (rules_[i].correlation) visit(i, state);
    for (auto& n : nodes_)
      for (size_t s = 0; s < n.inputs.size(); ++s)
        if (!n.inputs[s].is_correlation)
          base_uses_[n.inputs[s].index].push_back({static_cast<size_t>(&n - nodes_.data()), s});
    std::vector<const Rule*> bases;
    for (const auto& [rule, uses] : base_uses_) bases.push_back(&rules_[rule]);
    base_index_ = std::make_unique<RuleIndex>(std::move(bases));
    for (auto& n : nodes_) n.reported = !correlation_only[n.rule];
    return !nodes_.empty();
  }

  std::string_view name() const override { return "sigma-correlation"; }

  void observe(const ArtefactView& artefact, const model::Event& ev) override {
    matched_.clear();
    base_index_->match(ev, matched_);
    if (matched_.empty()) return;
    if (!ev.time) {
      untimed_ += matched_.size();
      return;
    }
    const EventRef ref = record_event(artefact, ev);  // an event matching several rules is one reference
    for (const Rule* rule : matched_) {
      const auto b = static_cast<size_t>(rule - rules_.data());
      for (const auto& [node_index, slot] : base_uses_[b]) {
        Node& n = nodes_[node_index];
        StoredHit h;
        h.ev = ref;
        h.node = static_cast<uint32_t>(node_index);
        h.slot = static_cast<uint32_t>(slot);
        key_.clear();
        for (const auto& f : n.group_fields[slot]) {
          if (const std::string* v = f.in(ev)) key_ += *v;
          key_ += kKeySep;
        }
        auto g = intern(n.group_ids, n.groups, key_);
        if (!g) {
          ++dropped_;
          continue;
        }
        h.group = *g;
        if (!n.value_fields.empty()) {
          const std::string* v = n.value_fields[slot].in(ev);
          if (!v || v->empty()) continue;  // value_count counts values, not events without one
          auto vid = intern(n.value_ids, n.values, *v);
          if (!vid) {
            ++dropped_;
            continue;
          }
          h.value = *vid;
        }
        if (memory_.size() >= hits_in_memory_ && !spill()) {
          ++unspilled_;
          continue;
        }
        memory_.push_back(h);
      }
    }
  }

  void finish(std::vector<model::Finding>& out) override {
    if (dropped_)
      diags_.add("sigma.correlation_limit", DiagSeverity::Warning, "", 0,
                 std::to_string(dropped_) + " matches were not kept for correlation (more than " +
                     std::to_string(kMaxCorrelationGroups) +
                     " groups in one rule); correlation results may be incomplete");
    if (unspilled_)
      diags_.add("sigma.correlation_limit", DiagSeverity::Warning, "", 0,
                 std::to_string(unspilled_) + " matches were not kept for correlation past " +
                     std::to_string(hits_in_memory_) + " in memory: " + spill_.error() +
                     "; correlation results may be incomplete");
    if (untimed_)
      diags_.add("sigma.correlation_untimed", DiagSeverity::Info, "", 0,
                 std::to_string(untimed_) + " matching events had no time and could not be correlated");
    std::sort(memory_.begin(), memory_.end(), stored_before);
    size_t mem = 0;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      const size_t mem_begin = mem;
      while (mem < memory_.size() && memory_[mem].node == i) ++mem;
      evaluate(i, std::span<const StoredHit>(memory_).subspan(mem_begin, mem - mem_begin), out);
      n.derived.clear();
      n.derived.shrink_to_fit();
    }
    memory_.clear();
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
      std::vector<FieldName> fields;
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

  EventRef record_event(const ArtefactView& a, const model::Event& ev) {
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
    EventRef r;
    r.seq = seq_++;
    r.time = ev.time->unix_ns;
    r.record = ev.offset;
    r.artefact = art;
    for (auto f : {model::Field::EventRecordID, model::Field::LineNumber}) {
      const std::string* v = ev.get(f);
      uint64_t n = 0;
      if (v && std::from_chars(v->data(), v->data() + v->size(), n).ec == std::errc()) {
        r.record = n;
        break;
      }
    }
    return r;
  }

  // Writes the hits in memory to the spill file as one sorted run per correlation. False when the file cannot be
  // written; the hits stay in memory and later ones are dropped (and counted).
  bool spill() {
    if (spill_failed_) return false;
    std::sort(memory_.begin(), memory_.end(), stored_before);
    auto first = spill_.append(memory_);
    if (!first) {
      spill_failed_ = true;
      return false;
    }
    for (size_t i = 0; i < memory_.size();) {
      size_t j = i;
      while (j < memory_.size() && memory_[j].node == memory_[i].node) ++j;
      nodes_[memory_[i].node].runs.push_back({*first + i, j - i});
      i = j;
    }
    memory_.clear();
    return true;
  }

  // Evaluates node i's windows over its merged hits, one group at a time: firings feed the correlations that name
  // this one and, when it reports, become one finding per group.
  void evaluate(size_t i, std::span<const StoredHit> in_memory, std::vector<model::Finding>& out) {
    Node& n = nodes_[i];
    const Correlation& c = *rules_[n.rule].correlation;
    HitStream stream;
    for (const Run& run : n.runs)
      stream.add([reader = std::make_shared<RunReader>(spill_, run)](Hit& h) {
        StoredHit s;
        if (!reader->next(s)) return false;
        h = to_hit(s);
        return true;
      });
    n.runs.clear();
    stream.add([in_memory, k = size_t{0}](Hit& h) mutable {
      if (k == in_memory.size()) return false;
      h = to_hit(in_memory[k++]);
      return true;
    });
    std::sort(n.derived.begin(), n.derived.end(),
              [](const DerivedHit& a, const DerivedHit& b) { return hit_before(a.hit, b.hit); });
    stream.add([&n, k = size_t{0}](Hit& h) mutable {
      if (k == n.derived.size()) return false;
      h = n.derived[k].hit;
      h.window = &n.derived[k++].window;
      return true;
    });

    GroupReport group;
    const Emit emit = [&](Firing&& f) {
      feed_consumers(i, f);
      if (n.reported) group.add(f);
    };
    const size_t slots = n.inputs.size();
    const bool counts_values = !n.value_fields.empty();
    Hit h;
    bool more = stream.next(h);
    while (more) {
      const uint32_t g = h.group;
      group = GroupReport{};
      if (c.type == Correlation::Type::TemporalOrdered) {
        OrderedEvaluator eval(c, slots, counts_values, emit);
        for (; more && h.group == g; more = stream.next(h)) eval.push(h);
        eval.end();
      } else {
        WindowEvaluator eval(c, slots, counts_values, emit);
        for (; more && h.group == g; more = stream.next(h)) eval.push(h);
        eval.end();
      }
      if (group.firings) report(n, g, group, out);
    }
  }

  // A firing of node i becomes a hit of every correlation that names it.
  void feed_consumers(size_t i, const Firing& f) {
    const Node& producer = nodes_[i];
    const Correlation& pc = *rules_[producer.rule].correlation;
    for (auto& consumer : nodes_) {
      for (size_t s = 0; s < consumer.inputs.size(); ++s) {
        if (!consumer.inputs[s].is_correlation || consumer.inputs[s].index != producer.rule) continue;
        // The consumer's group-by keys are read from the producer's group values of the same name.
        const std::string& pkey = producer.groups[f.group];
        std::vector<std::string_view> pvals;
        for (size_t p = 0, q; (q = pkey.find(kKeySep, p)) != std::string::npos; p = q + 1)
          pvals.push_back(std::string_view(pkey).substr(p, q - p));
        std::string key;
        for (const auto& field : consumer.group_fields[s]) {
          for (size_t g = 0; g < pc.group_by.size() && g < pvals.size(); ++g)
            if (pc.group_by[g] == field.name) {
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
        DerivedHit d;
        d.hit.lo = f.lo;
        d.hit.hi = f.hi;
        d.hit.group = *gid;
        d.hit.slot = static_cast<uint32_t>(s);
        d.hit.order = (uint64_t{1} << 63) + consumer.derived.size();
        d.hit.ev_total = f.ev_total;
        d.hit.ev_first = f.ev_first;
        d.hit.ev_last = f.ev_last;
        d.window = f.window;
        consumer.derived.push_back(std::move(d));
      }
    }
  }

  // One finding per group: the events of the window that fired first, listed per artefact as record ranges, and a
  // count of every other contributing event.
  void report(const Node& n, uint32_t group, GroupReport& g, std::vector<model::Finding>& out) const {
    const Rule& r = rules_[n.rule];
    const Correlation& c = *r.correlation;
    model::Finding fd = rule_finding(r);
    fd.title_zh = "Sigma 关联规则命中：" + r.title;
    // The group's values, named.
    std::string where;
    const std::string& key = n.groups[group];
    size_t p = 0;
    for (const auto& field : c.group_by) {
      size_t q = key.find(kKeySep, p);
      if (q == std::string::npos) break;
      const std::string value = key.substr(p, q - p);
      p = q + 1;
      if (value.empty()) continue;
      where += (where.empty() ? "" : ", ") + field + "=" + value;
      if (auto ip = parse_ip(value))
        fd.observables.push_back({model::ObservableKind::Ip, ip->to_string(), "group of " + r.title});
      else if (field.find("User") != std::string::npos || field.find("Account") != std::string::npos)
        fd.observables.push_back({model::ObservableKind::Account, value, "group of " + r.title});
    }
    fd.time = Timestamp{g.earliest};
    // The window that fired first is listed; every other contributing event is counted.
    std::vector<EventRef>& window = g.window;
    std::sort(window.begin(), window.end(), [](const EventRef& a, const EventRef& b) { return a.seq < b.seq; });
    window.erase(
        std::unique(window.begin(), window.end(), [](const EventRef& a, const EventRef& b) { return a.seq == b.seq; }),
        window.end());
    auto span = [](int64_t first, int64_t last) {
      return " between " + to_iso8601(Timestamp{first}, 0) + " and " + to_iso8601(Timestamp{last}, 0);
    };
    std::string window_span;
    if (!window.empty()) {
      int64_t first = window.front().time, last = first;
      for (const EventRef& e : window) {
        first = std::min(first, e.time);
        last = std::max(last, e.time);
      }
      window_span = span(first, last);
    }
    const std::string all_span = g.first <= g.last ? span(g.first, g.last) : "";
    fd.description_en = std::to_string(g.firings) + " time(s) within " + describe_span(c.timespan_ns) +
                        (where.empty() ? "" : " for " + where) +
                        ". The window that fired first: " + std::to_string(window.size()) + " events" + window_span +
                        " (listed); " + std::to_string(g.total) + " contributing events in all" + all_span + ".";
    fd.description_zh = "在 " + describe_span(c.timespan_ns) + " 时间窗口内触发 " + std::to_string(g.firings) + " 次" +
                        (where.empty() ? "" : "（" + where + "）") + "。首次触发的窗口含 " +
                        std::to_string(window.size()) + " 条事件（已列出），相关事件共 " + std::to_string(g.total) +
                        " 条。";
    if (!g.values.empty()) {
      std::string list;
      for (uint32_t v : g.values) list += (list.empty() ? "" : ", ") + n.values[v];
      fd.description_en += " Values of " + c.field + ": " + list + ".";
      fd.description_zh += c.field + " 的取值：" + list + "。";
    }
    if (!r.description.empty()) fd.description_en += " " + r.description;
    add_event_evidence(window, g.total, fd);
    out.push_back(std::move(fd));
  }

  static std::string describe_span(int64_t ns) {
    const int64_t s = ns / 1'000'000'000;
    if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
    if (s % 60 == 0) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
  }

  // Per artefact: the listed records as ranges ("records 5-304, 310"), then how many more contributed.
  void add_event_evidence(const std::vector<EventRef>& events, uint64_t total, model::Finding& fd) const {
    std::map<uint32_t, std::vector<uint64_t>> per_artefact;
    for (const EventRef& e : events) per_artefact[e.artefact].push_back(e.record);
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
        if (recs[j] > recs[i]) text += "-" + std::to_string(recs[j]);
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
  std::vector<Node> nodes_;                                             // correlations, producers before consumers
  std::map<size_t, std::vector<std::pair<size_t, size_t>>> base_uses_;  // detection rule -> (node, slot)
  std::unique_ptr<RuleIndex> base_index_;
  const size_t hits_in_memory_;
  std::vector<const Rule*> matched_;
  std::string key_;                // scratch: a hit's group key
  std::vector<StoredHit> memory_;  // hits not yet spilled, of every correlation
  SpillFile spill_;
  bool spill_failed_ = false;
  uint64_t seq_ = 0;  // events recorded so far
  std::vector<std::string> artefacts_, artefact_sha_;
  std::unordered_map<std::string, uint32_t> artefact_ids_;
  uint64_t dropped_ = 0, unspilled_ = 0, untimed_ = 0;
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

std::unique_ptr<CaseEngine> make_correlation_engine(const std::vector<Rule>& rules, Diagnostics& diags,
                                                    size_t hits_in_memory) {
  if (std::none_of(rules.begin(), rules.end(), [](const Rule& r) { return r.correlation != nullptr; })) return nullptr;
  auto engine = std::make_unique<CorrelationEngine>(rules, diags, hits_in_memory);
  if (!engine->build(correlation_only(rules))) return nullptr;
  return engine;
}

}  // namespace msw::detect::sigma
