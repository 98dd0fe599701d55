// detect/: engines turn events into findings. Each engine sees one artefact at a time with all its events (a
// hosts file's entries, an EVTX file's records), from any worker thread: engines are immutable after construction.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "model/event.h"
#include "intel/indicator.h"
#include "model/finding.h"

namespace msw::detect {

struct ArtefactView {
  std::string_view path;      // display path
  std::string_view sha256;
  std::string_view kind;      // evidence::to_string(ArtefactKind)
  std::string_view platform;  // "windows", "linux" or ""
  std::string_view subject_host;  // hostname of the machine the evidence came from, when known
  std::span<const model::Event> events;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  virtual void scan_artefact(const ArtefactView& artefact, std::vector<model::Finding>& out) const = 0;
};

// Sees every event of a run, one at a time and on one thread, and concludes at the end: for patterns that span
// batches and artefacts (a brute force spread over rotated logs or several EVTX files). State must stay bounded
// whatever the input (count, do not keep events).
class CaseEngine {
 public:
  virtual ~CaseEngine() = default;
  virtual std::string_view name() const = 0;
  virtual void observe(const ArtefactView& artefact, const model::Event& event) = 0;
  virtual void finish(std::vector<model::Finding>& out) = 0;
};

struct EngineSet {
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<std::unique_ptr<CaseEngine>> case_engines;  // used by the pipeline's writer thread only
  void scan_artefact(const ArtefactView& artefact, std::vector<model::Finding>& out) const {
    for (const auto& e : engines) e->scan_artefact(artefact, out);
  }
  void observe(const ArtefactView& artefact, std::span<const model::Event> events) {
    for (const auto& e : case_engines)
      for (const auto& ev : events) e->observe(artefact, ev);
  }
  void finish(std::vector<model::Finding>& out) {
    for (const auto& e : case_engines) e->finish(out);
  }
};

// The engines with the content compiled into the binary, plus `extra_indicators` from the user's intel store and the
// Sigma rules under `sigma_paths`. Content that fails to load is a diagnostic; the engine runs with what loaded.
EngineSet make_builtin_engines(Diagnostics& diags, std::vector<intel::Indicator> extra_indicators = {},
                               const std::vector<std::string>& sigma_paths = {},
                               const std::string& sigma_placeholders = {});

}  // namespace msw::detect
