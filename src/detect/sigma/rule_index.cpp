// Rules indexed by where they can match (Windows channel and event id, from the log source and from the EventID
// values a condition requires), with a literal prefilter per bucket.
//
// Most rules need some literal in some field: "CommandLine contains ' -enc '", "Image endswith '\\certutil.exe'".
// A rule's anchor is a set of (field, literal) pairs of which at least one holds (the lower-cased value contains
// the literal) whenever the rule matches. Per bucket, every anchor literal of a field is found in one pass over that
// field's value (4-byte grams, a bit filter, then a compare), and only rules whose anchor was seen, plus the rules
// without one, are evaluated.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_map>

#include "core/text.h"
#include "detect/sigma/compiled.h"

namespace msw::detect::sigma {
namespace {

// A necessary condition of a rule: a set of items of which at least one holds whenever the rule matches (nullopt:
// nothing known). `of_field` gives a field condition's own; `narrow` picks or combines two that must both hold; the
// alternatives of a selection, OR and "1 of" add up; NOT and keywords say nothing. The rule index uses it twice:
// for the event ids a rule can match, and for the literals its prefilter looks for.
template <typename T>
using Requirement = std::optional<std::vector<T>>;

template <typename T>
Requirement<T> either(Requirement<T> a, const Requirement<T>& b) {
  if (!a || !b) return std::nullopt;
  a->insert(a->end(), b->begin(), b->end());
  return a;
}

template <typename T, typename OfField, typename Narrow>
Requirement<T> selection_requirement(const Selection& s, const OfField& of_field, const Narrow& narrow) {
  if (!s.keywords.empty() || s.alternatives.empty()) return std::nullopt;
  Requirement<T> out = std::vector<T>{};
  for (const auto& alt : s.alternatives) {
    Requirement<T> all;
    for (const auto& fc : alt) all = narrow(all, of_field(fc));
    out = either(std::move(out), all);
    if (!out) return std::nullopt;
  }
  return out;
}

template <typename T, typename OfField, typename Narrow>
Requirement<T> condition_requirement(const CondNode& n, const CompiledRule& r, const OfField& of_field,
                                     const Narrow& narrow) {
  auto sel = [&](size_t i) { return selection_requirement<T>(r.selections[i], of_field, narrow); };
  auto kid = [&](size_t i) { return condition_requirement<T>(n.kids[i], r, of_field, narrow); };
  switch (n.kind) {
    case CondNode::Kind::And:
      return narrow(kid(0), kid(1));
    case CondNode::Kind::Or:
      return either(kid(0), kid(1));
    case CondNode::Kind::Not:
      return std::nullopt;
    case CondNode::Kind::Sel:
      return sel(n.sels[0]);
    case CondNode::Kind::OneOf: {
      Requirement<T> out = std::vector<T>{};
      for (size_t i : n.sels) out = either(std::move(out), sel(i));
      return out;
    }
    case CondNode::Kind::AllOf: {
      Requirement<T> out;
      for (size_t i : n.sels) out = narrow(out, sel(i));
      return out;
    }
  }
  return std::nullopt;
}

using IdSet = Requirement<int>;  // nullopt: any event id

// "EventID: 4625" or a list of plain numbers.
IdSet event_ids_of_field(const FieldCond& fc) {
  if (fc.field != "EventID" || fc.all) return std::nullopt;
  std::vector<int> ids;
  for (const auto& vm : fc.values) {
    int n = -1;
    auto r = std::from_chars(vm.pattern.data(), vm.pattern.data() + vm.pattern.size(), n);
    if (vm.op != ValueMatch::Op::Glob || r.ec != std::errc() || r.ptr != vm.pattern.data() + vm.pattern.size())
      return std::nullopt;
    ids.push_back(n);
  }
  return ids;
}

IdSet intersect(const IdSet& a, const IdSet& b) {
  if (!a) return b;
  if (!b) return a;
  std::vector<int> out;
  for (int x : *a)
    if (std::find(b->begin(), b->end(), x) != b->end()) out.push_back(x);
  return out;
}

// The event ids an event must have for the condition to hold (nullopt: not constrained).
IdSet required_ids(const CondNode& n, const CompiledRule& r) {
  return condition_requirement<int>(n, r, event_ids_of_field, intersect);
}

constexpr size_t kGram = 4;
constexpr size_t kMinRulesForPrefilter = 8;
constexpr size_t kMaxAnchorLiterals = 256;

struct AnchorItem {
  const FieldCond* field;
  std::string literal;  // lower-cased, at least kGram bytes
};
using Anchor = Requirement<AnchorItem>;

// The longest run of literal characters in a glob pattern.
std::string longest_run(const ValueMatch& vm) {
  if (vm.shape != ValueMatch::Shape::Glob) return vm.literal;
  std::string best, cur;
  for (char c : vm.pattern) {
    if (c == '*' || c == '?') {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
    } else {
      cur += c == '\x01' ? '*' : c == '\x02' ? '?' : c;
    }
  }
  return cur.size() > best.size() ? cur : best;
}

Anchor anchor_of_field(const FieldCond& fc) {
  std::vector<AnchorItem> items;
  for (const auto& vm : fc.values) {
    if (vm.op != ValueMatch::Op::Glob) return std::nullopt;
    std::string lit = to_lower_ascii(longest_run(vm));
    if (fc.all) {  // every value must match: the longest one alone is enough
      if (lit.size() >= kGram && (items.empty() || lit.size() > items[0].literal.size()))
        items.assign(1, AnchorItem{&fc, std::move(lit)});
      continue;
    }
    if (lit.size() < kGram) return std::nullopt;
    items.push_back({&fc, std::move(lit)});
  }
  if (items.empty()) return std::nullopt;
  return items;
}

// Both must hold, so either alone is necessary: the one with fewer literals (fewer candidates).
Anchor better(const Anchor& a, const Anchor& b) {
  if (!a) return b;
  if (!b) return a;
  return b->size() < a->size() ? b : a;
}

Anchor anchor_of(const CondNode& n, const CompiledRule& r) {
  return condition_requirement<AnchorItem>(n, r, anchor_of_field, better);
}

uint32_t load_gram(const char* p) {
  uint32_t g;
  std::memcpy(&g, p, sizeof g);
  return g;
}

uint32_t gram_slot(uint32_t g) { return (g * 2654435761u) >> 16; }  // 16 bits

}  // namespace

struct RuleIndex::Prefilter {
  struct FieldScan {
    FieldCond probe;  // name and resolved field, for reading the event's value like the rules do
    std::vector<std::string> literals;
    std::vector<std::vector<uint32_t>> rules_of;                  // per literal: positions in the bucket
    std::unordered_map<uint32_t, std::vector<uint32_t>> by_gram;  // first 4 bytes -> literals
    std::vector<uint64_t> bits = std::vector<uint64_t>(1 << 10);  // 65,536-bit filter over gram_slot
  };
  std::vector<FieldScan> fields;
  std::vector<uint8_t> always;  // rules without an anchor

  void mark(const model::Event& e, std::vector<uint32_t>& stamp, uint32_t epoch) const {
    for (const auto& f : fields) {
      const std::string* v = resolve(f.probe, e);
      scan(f, v, stamp, epoch);
      scan(f, rendered(v), stamp, epoch);  // rules read message codes in either form (match_field)
    }
  }

  static void scan(const FieldScan& f, const std::string* v, std::vector<uint32_t>& stamp, uint32_t epoch) {
    if (!v || v->size() < kGram) return;
    const std::string_view low = lowered(v);
    for (size_t i = 0; i + kGram <= low.size(); ++i) {
      const uint32_t g = load_gram(low.data() + i);
      const uint32_t slot = gram_slot(g);
      if (!(f.bits[slot >> 6] >> (slot & 63) & 1)) continue;
      auto it = f.by_gram.find(g);
      if (it == f.by_gram.end()) continue;
      for (uint32_t lit : it->second) {
        const std::string& l = f.literals[lit];
        if (low.size() - i >= l.size() && std::memcmp(low.data() + i, l.data(), l.size()) == 0)
          for (uint32_t r : f.rules_of[lit]) stamp[r] = epoch;
      }
    }
  }
};

void RuleIndex::check(const Bucket& bucket, const model::Event& e, std::vector<const Rule*>& out) const {
  auto full = [&](const Rule* r) {
    return r->compiled && in_logsource(r->logsource, e) && eval(r->compiled->condition, *r->compiled, e);
  };
  const auto& rules = bucket.rules;
  if (!bucket.prefilter) {
    for (const Rule* r : rules)
      if (full(r)) out.push_back(r);
    return;
  }
  thread_local std::vector<uint32_t> stamp;
  thread_local uint32_t epoch = 0;
  if (stamp.size() < rules.size()) stamp.resize(rules.size(), 0);
  if (++epoch == 0) {  // wrapped: forget every old stamp
    std::fill(stamp.begin(), stamp.end(), 0);
    epoch = 1;
  }
  bucket.prefilter->mark(e, stamp, epoch);
  for (size_t i = 0; i < rules.size(); ++i)
    if ((bucket.prefilter->always[i] || stamp[i] == epoch) && full(rules[i])) out.push_back(rules[i]);
}

void RuleIndex::add(const std::string& channel, int id, const Rule* rule) {
  ByEventId& b = channel.empty() ? any_channel_ : channels_[channel];
  auto& list = (id < 0 ? b.any_id : b.ids[id]).rules;
  if (list.empty() || list.back() != rule) list.push_back(rule);
}

RuleIndex::RuleIndex(std::vector<const Rule*> rules) : rules_(std::move(rules)) {
  for (const Rule* r : rules_) {
    if (!r->compiled) continue;
    const LogSource& ls = r->logsource;
    if (!ls.product.empty() && ls.product != "windows") {
      other_.rules.push_back(r);
      continue;
    }
    const IdSet ids = required_ids(r->compiled->condition, *r->compiled);
    // (channel, ids) pairs from the log source; "" is any channel.
    std::vector<std::pair<std::string, IdSet>> where;
    const auto& service_channels = windows_service_channels(ls.service);
    auto sources = ls.category.empty() ? std::vector<WinSource>{} : windows_category(ls.category);
    if (!sources.empty()) {
      for (const auto& src : sources) {
        if (!service_channels.empty() &&
            std::find(service_channels.begin(), service_channels.end(), src.channel) == service_channels.end())
          continue;
        where.emplace_back(std::string(src.channel),
                           intersect(src.event_ids.empty() ? IdSet{} : IdSet{src.event_ids}, ids));
      }
    } else if (!service_channels.empty()) {
      for (auto channel : service_channels) where.emplace_back(std::string(channel), ids);
    } else {
      where.emplace_back("", ids);
    }
    if (ls.product.empty()) other_.rules.push_back(r);  // a rule without a product also applies to Linux events
    for (const auto& [channel, id_set] : where) {
      if (!id_set)
        add(channel, -1, r);
      else
        for (int id : *id_set) add(channel, id, r);
    }
  }
  // Prefilters for the buckets where they pay: many rules, most of them anchored.
  std::map<const Rule*, Anchor> anchors;
  auto build = [&](Bucket& bucket) {
    const auto& members = bucket.rules;
    if (members.size() < kMinRulesForPrefilter) return;
    auto pf = std::make_shared<Prefilter>();
    pf->always.assign(members.size(), 0);
    std::map<std::pair<size_t, std::string_view>, uint32_t> literal_ids;  // (field scan, literal) -> literal index
    size_t anchored = 0;
    for (size_t i = 0; i < members.size(); ++i) {
      const Rule* r = members[i];
      auto it = anchors.find(r);
      if (it == anchors.end()) it = anchors.emplace(r, anchor_of(r->compiled->condition, *r->compiled)).first;
      if (!it->second || it->second->size() > kMaxAnchorLiterals) {
        pf->always[i] = 1;
        continue;
      }
      ++anchored;
      for (const auto& item : *it->second) {
        auto f = std::find_if(pf->fields.begin(), pf->fields.end(),
                              [&](const Prefilter::FieldScan& x) { return x.probe.field == item.field->field; });
        if (f == pf->fields.end()) {
          pf->fields.emplace_back();
          f = std::prev(pf->fields.end());
          set_field(f->probe, item.field->field);
        }
        const size_t field_index = static_cast<size_t>(f - pf->fields.begin());
        auto [slot_it, fresh] =
            literal_ids.try_emplace({field_index, item.literal}, static_cast<uint32_t>(f->literals.size()));
        const uint32_t lit = slot_it->second;
        if (fresh) {
          f->literals.push_back(item.literal);
          f->rules_of.emplace_back();
          const uint32_t g = load_gram(item.literal.data());
          f->by_gram[g].push_back(lit);
          const uint32_t slot = gram_slot(g);
          f->bits[slot >> 6] |= uint64_t{1} << (slot & 63);
        }
        auto& rules_of = f->rules_of[lit];
        if (rules_of.empty() || rules_of.back() != i) rules_of.push_back(static_cast<uint32_t>(i));
      }
    }
    if (anchored * 2 >= members.size()) bucket.prefilter = std::move(pf);
  };
  auto build_all = [&](ByEventId& b) {
    build(b.any_id);
    for (auto& [id, bucket] : b.ids) build(bucket);
  };
  build_all(any_channel_);
  for (auto& [channel, b] : channels_) build_all(b);
  build(other_);
}

void RuleIndex::match(const model::Event& e, std::vector<const Rule*>& out) const {
  begin_event();
  auto check = [&](const Bucket& b) { this->check(b, e, out); };
  if (e.product != "windows") {
    check(other_);
    return;
  }
  const int id = event_id(e);
  auto from = [&](const ByEventId& b) {
    check(b.any_id);
    if (auto it = b.ids.find(id); it != b.ids.end()) check(it->second);
  };
  from(any_channel_);
  if (auto it = channels_.find(std::string_view(e.service)); it != channels_.end()) from(it->second);
}

// What yaml-cpp (0.7, Debian 12) must not be given, found by a scan before parsing:
//  - nesting deeper than max_depth (flow brackets or indentation): its parser recurses per level;
//  - a ',' outside any flow collection where no plain scalar can absorb it (at the start of a line, or after a
//    closing bracket, a quoted scalar, a tag, an anchor or "---"): its parser loops forever on it, allocating.
// Quotes open only where a scalar can start, and comments are skipped, so ordinary prose stays ordinary.

}  // namespace msw::detect::sigma
