// The storyline as a picture: the host in the middle, how the attacker got in on its left, what runs on it, what
// brings it back and where it spreads on its right, each box with its time. Written as Graphviz DOT and laid out by
// Graphviz's dot (libgvc) into SVG that the HTML report inlines — no external file, no script.
#pragma once

#include <string>
#include <string_view>

#include "correlate/storyline.h"
#include "report/report.h"

namespace msw::report {

// At most this many steps become boxes; the rest are counted in one "+N more" box.
inline constexpr size_t kMaxGraphSteps = 40;

// Evidence text is attacker-controlled: it is cut to a few short lines and written as DOT strings with quotes and
// backslashes escaped (so it cannot end the string or become a Graphviz escape like \N).
std::string storyline_dot(const correlate::Storyline& story, std::string_view host, Lang lang);

// The laid-out SVG element ("<svg ...>...</svg>", no XML prolog), or "" when Graphviz could not lay the graph out
// (the report then shows the steps as a list only).
std::string storyline_svg(const correlate::Storyline& story, std::string_view host, Lang lang);

}  // namespace msw::report
