#include "respond/line_edit.h"

#include "core/text.h"

namespace msw::respond {
namespace {

// Logical lines shorter than this must match whole; a longer flagged text may be the normaliser's capped copy
// (crontab entries keep 4 KiB, start-up commands 8 KiB), so it matches as a prefix.
constexpr size_t kCappedTextBytes = 1024;

struct Unit {
  size_t first = 0, count = 0;  // physical lines, 0-based
  std::string text;             // joined (continuations) and trimmed, as the normaliser reads it
  bool marked = false;          // every physical line carries the marker
};

// Physical lines as [begin, end) offsets, without their line break.
std::vector<std::pair<size_t, size_t>> physical_lines(std::string_view all) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t pos = 0; pos < all.size();) {
    const size_t eol = all.find('\n', pos);
    const size_t end = eol == std::string_view::npos ? all.size() : eol;
    out.emplace_back(pos, end);
    pos = end + 1;
  }
  return out;
}

std::vector<Unit> units(std::string_view all, const std::vector<std::pair<size_t, size_t>>& lines, bool continuations,
                        bool strip_marker) {
  std::vector<Unit> out;
  Unit u;
  bool open = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = all.substr(lines[i].first, lines[i].second - lines[i].first);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool marked = false;
    if (strip_marker && line.starts_with(kRemovedMarker)) {
      line.remove_prefix(kRemovedMarker.size());
      marked = true;
    }
    if (!open) {
      u = Unit{i, 0, {}, true};
      open = true;
    }
    ++u.count;
    u.marked = u.marked && marked;
    const bool continues = continuations && !line.empty() && line.back() == '\\';
    u.text.append(continues ? line.substr(0, line.size() - 1) : line);
    if (continues && i + 1 < lines.size()) continue;
    u.text = std::string(trim(u.text));
    out.push_back(std::move(u));
    open = false;
  }
  return out;
}

bool same_text(std::string_view candidate, std::string_view flagged) {
  if (flagged.empty()) return false;
  return candidate == flagged || (flagged.size() >= kCappedTextBytes && candidate.starts_with(flagged));
}

std::string with_markers(std::string_view all, const std::vector<std::pair<size_t, size_t>>& lines,
                         const std::vector<uint64_t>& chosen) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (next < chosen.size() && chosen[next] == i + 1) {
      out.append(kRemovedMarker);
      ++next;
    }
    const size_t end = i + 1 < lines.size() ? lines[i + 1].first : all.size();
    out.append(all.substr(lines[i].first, end - lines[i].first));
  }
  return out;
}

}  // namespace

Result<LineEdit> comment_out_flagged(std::string_view content, std::string_view current_sha256,
                                     const FlaggedLine& flagged) {
  const auto lines = physical_lines(content);
  const auto all = units(content, lines, flagged.continuations, /*strip_marker=*/false);
  std::vector<const Unit*> chosen;
  if (flagged.text.empty()) {
    if (flagged.triage_sha256.empty() || flagged.triage_sha256 != current_sha256)
      return Error::make("respond.changed",
                         "the file changed since triage and the case does not record the flagged "
                         "line's text; edit it by hand");
    for (const auto& u : all)
      if (flagged.line >= u.first + 1 && flagged.line < u.first + 1 + u.count) chosen.push_back(&u);
    if (chosen.empty())
      return Error::make("respond.line_gone", "line " + std::to_string(flagged.line) + " is not there");
    if (content.substr(lines[chosen[0]->first].first).starts_with(kRemovedMarker))
      return Error::make("respond.line_done", "already commented out");
  } else {
    for (const auto& u : all)
      if (same_text(u.text, flagged.text)) chosen.push_back(&u);
    if (chosen.empty()) {
      for (const auto& u : units(content, lines, flagged.continuations, /*strip_marker=*/true))
        if (u.marked && same_text(u.text, flagged.text))
          return Error::make("respond.line_done", "already commented out");
      return Error::make("respond.line_gone", "the flagged line is not in the file any more (it read: " +
                                                  flagged.text.substr(0, 200) + "); nothing changed");
    }
  }
  LineEdit edit;
  for (const Unit* u : chosen)
    for (size_t k = 0; k < u->count; ++k) edit.lines.push_back(u->first + k + 1);
  if (flagged.line != 0 && (chosen.size() > 1 || chosen[0]->first + 1 != flagged.line)) {
    std::string where;
    for (const Unit* u : chosen) where += (where.empty() ? "" : ", ") + std::to_string(u->first + 1);
    edit.note = chosen.size() == 1
                    ? "moved from line " + std::to_string(flagged.line) + " to line " + where
                    : "found at lines " + where + " (triage saw line " + std::to_string(flagged.line) + ")";
  }
  edit.content = with_markers(content, lines, edit.lines);
  return edit;
}

}  // namespace msw::respond
