#include "report/storyline_graph.h"

#include <mutex>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "core/escape.h"

namespace msw::report {
namespace {

using correlate::StepKind;

struct KindStyle {
  std::string_view en, zh, fill;
};

KindStyle style_of(StepKind k) {
  switch (k) {
    case StepKind::Entry:
      return {"Initial access", "初始入侵", "#f8d7da"};
    case StepKind::Exposure:
      return {"Exposure", "暴露面", "#fde2c8"};
    case StepKind::Miner:
      return {"Mining process", "挖矿进程", "#f5b7b1"};
    case StepKind::Executable:
      return {"Executable", "可执行文件", "#fadbd8"};
    case StepKind::Connection:
      return {"Mining pool / C2", "矿池 / C2", "#d6eaf8"};
    case StepKind::Persistence:
      return {"Persistence", "持久化", "#fcf3cf"};
    case StepKind::Evasion:
      return {"Defense evasion", "隐藏与对抗", "#e8daef"};
    case StepKind::NextHost:
      return {"Lateral movement", "横向移动", "#d5f5e3"};
    case StepKind::Other:
      break;
  }
  return {"Other", "其他", "#eeeeee"};
}

// Appends `s` as the inside of a DOT double-quoted string: quotes and backslashes escaped, control characters as
// spaces and invisible ones (a right-to-left override) as '?', cut at `max_cp` code points and wrapped into lines of
// about `width` code points (\n between them).
void append_dot_text(std::string& out, std::string_view s, size_t max_cp, size_t width) {
  size_t cp = 0, line_cp = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const bool starts_cp = (c & 0xC0) != 0x80;
    if (size_t hidden = 0; starts_cp && invisible_at(s, i, hidden)) {
      out += '?';
      i += hidden - 1;
      ++cp;
      ++line_cp;
      continue;
    }
    if (starts_cp) {
      if (cp == max_cp) {
        out += "…";
        return;
      }
      ++cp;
      // Wrap at a space once the line is long enough, or anywhere when it has grown too long (CJK has no spaces).
      if ((c == ' ' && line_cp >= width) || line_cp >= width + 12) {
        out += "\\n";
        line_cp = 0;
        if (c == ' ') continue;
      }
      ++line_cp;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c);
  }
}

void node(std::string& dot, std::string_view id, std::string_view head, std::string_view time, std::string_view text,
          std::string_view fill, bool bold) {
  dot += "  ";
  dot += id;
  dot += " [label=\"";
  append_dot_text(dot, head, 40, 40);
  if (!time.empty()) {
    dot += "\\n";
    append_dot_text(dot, time, 40, 40);
  }
  if (!text.empty()) {
    dot += "\\n";
    append_dot_text(dot, text, 110, 34);
  }
  dot += "\", fillcolor=\"";
  dot += fill;
  dot += '"';
  if (bold) dot += ", penwidth=2";
  dot += "];\n";
}

void edge(std::string& dot, std::string_view from, std::string_view to, std::string_view label, bool dashed) {
  dot += "  ";
  dot += from;
  dot += " -> ";
  dot += to;
  dot += " [label=\"";
  append_dot_text(dot, label, 30, 30);
  dot += '"';
  if (dashed) dot += ", style=dashed";
  dot += "];\n";
}

// Graphviz reports problems through a global callback; the report shows the list instead, so stay quiet.
int ignore_graphviz_message(char*) { return 0; }

}  // namespace

std::string storyline_dot(const correlate::Storyline& story, std::string_view host, Lang lang) {
  const bool zh = lang == Lang::Zh;
  std::string dot =
      "digraph storyline {\n  rankdir=LR; nodesep=0.25; ranksep=0.45;\n"
      "  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=10, margin=\"0.12,0.06\"];\n"
      "  edge [fontname=\"sans-serif\", fontsize=9, color=\"#555555\"];\n";
  node(dot, "host", zh ? "主机" : "Host", "", host.empty() ? "?" : host, "#ffffff", true);
  std::string miner;  // the node of the miner the linked steps that follow belong to
  const size_t shown = std::min(story.steps.size(), kMaxGraphSteps);
  for (size_t i = 0; i < shown; ++i) {
    const auto& st = story.steps[i];
    const KindStyle ks = style_of(st.kind);
    const std::string id = "s" + std::to_string(i);
    node(dot, id, zh ? ks.zh : ks.en, st.time ? to_iso8601(*st.time, 0) : "", zh ? st.text_zh : st.text_en, ks.fill,
         st.kind == StepKind::Miner || st.kind == StepKind::Entry);
    const bool to_miner = st.linked && !miner.empty();
    switch (st.kind) {
      case StepKind::Entry:
        edge(dot, id, "host", zh ? "入侵" : "got in", false);
        break;
      case StepKind::Exposure:
        edge(dot, id, "host", zh ? "暴露" : "exposes", true);
        break;
      case StepKind::Miner:
        edge(dot, "host", id, zh ? "运行" : "runs", false);
        miner = id;
        break;
      case StepKind::Executable:
        if (to_miner)
          edge(dot, miner, id, zh ? "文件" : "file", false);
        else
          edge(dot, "host", id, zh ? "执行过" : "ran", false);
        break;
      case StepKind::Connection:
        edge(dot, to_miner ? miner : std::string("host"), id, zh ? "连接" : "connects to", false);
        break;
      case StepKind::Persistence:
        if (to_miner)
          edge(dot, id, miner, zh ? "重新拉起" : "restarts", false);
        else
          edge(dot, "host", id, zh ? "持久化" : "persists via", false);
        break;
      case StepKind::Evasion:
        if (to_miner)
          edge(dot, id, miner, zh ? "隐藏" : "hides", false);
        else
          edge(dot, "host", id, zh ? "对抗" : "defended by", true);
        break;
      case StepKind::NextHost:
        edge(dot, "host", id, zh ? "下一台" : "next", false);
        break;
      case StepKind::Other:
        edge(dot, "host", id, "", true);
        break;
    }
  }
  if (story.steps.size() > shown) {
    const std::string more = "+" + std::to_string(story.steps.size() - shown);
    node(dot, "more", more, "", zh ? "其余步骤见下方列表" : "more steps in the list below", "#eeeeee", false);
    edge(dot, "host", "more", "", true);
  }
  dot += "}\n";
  return dot;
}

std::string storyline_svg(const correlate::Storyline& story, std::string_view host, Lang lang) {
  if (story.steps.empty()) return {};
  const std::string dot = storyline_dot(story, host, lang);
  // Graphviz keeps global state (error callback, plugin tables): one rendering at a time.
  static std::mutex graphviz;
  std::lock_guard lock(graphviz);
  agseterrf(ignore_graphviz_message);
  GVC_t* gvc = gvContext();
  if (!gvc) return {};
  std::string svg;
  if (Agraph_t* g = agmemread(dot.c_str())) {
    if (gvLayout(gvc, g, "dot") == 0) {
      char* data = nullptr;
      unsigned int len = 0;
      if (gvRenderData(gvc, g, "svg", &data, &len) == 0 && data) svg.assign(data, len);
      gvFreeRenderData(data);
      gvFreeLayout(gvc, g);
    }
    agclose(g);
  }
  gvFreeContext(gvc);
  // The prolog, DOCTYPE and generator comment are for a stand-alone file; HTML wants the element alone.
  const size_t start = svg.find("<svg");
  return start == std::string::npos ? std::string() : svg.substr(start);
}

}  // namespace msw::report
