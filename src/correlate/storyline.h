// The storyline: the findings of one host told as the responder retells an incident — what mines (process,
// executable, pool connection), what brings it back (persistence that names the same program, directory, pool or
// download source), how the attacker got in (a logon after password guessing, an exposed service), and which hosts
// come next (internal addresses that attacked this one). Built from findings alone, so any case can be retold.
//
// Links are made on evidence, never on rule names alone: a cron entry joins a miner when its command names the
// miner's executable, its folder (when that folder is not a shared one like /tmp) or its pool address.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.h"
#include "model/finding.h"

namespace msw::correlate {

enum class StepKind { Entry, Miner, Executable, Connection, Persistence, Evasion, Exposure, NextHost, Other };
std::string_view to_string(StepKind k);

struct StoryStep {
  StepKind kind = StepKind::Other;
  std::optional<Timestamp> time;
  std::string text_en, text_zh;
  std::string rule_id;
  std::string evidence;  // "path:line" or the path, for the reader to open
  bool linked = false;   // tied to a miner by evidence (persistence, connection), not just present on the host
};

struct Storyline {
  std::vector<StoryStep> steps;        // in telling order: entry, miner and its parts, persistence, the rest
  std::string summary_en, summary_zh;  // one line; empty when there is nothing to tell
};

Storyline build_storyline(std::span<const model::Finding> findings);

// The part a finding's rule plays in the story (Miner, Connection, Persistence, Evasion, Exposure, Entry, NextHost
// for password guessing, Executable for files beside a miner); Other when the rule tells no part of it.
StepKind step_kind_of(std::string_view rule_id);

// The process id the heuristics put in an observable's context ("process 4242", "PID 4242 /tmp/x"), or "".
std::string pid_in(std::string_view context);

}  // namespace msw::correlate
