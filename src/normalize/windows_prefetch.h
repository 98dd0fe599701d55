// Prefetch files → "prefetch_execution" events, one per recorded run time (formats 26+ keep eight), so the timeline
// shows each start of a program: Image is the executable's recorded path without its volume device
// (\WINDOWS\DEBUG\LSMA12.EXE; the drive letter is not recorded) or just its name, with RunCount, the prefetch hash,
// the volume device and how many files the run loaded. Not a Sigma process_creation: there is no command line or
// parent, only proof that the program ran.
#pragma once

#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"
#include "model/event.h"

namespace msw::normalize {

// Errors from formats/prefetch (prefetch.*, lzxpress.*); damage inside is a diagnostic.
Result<void> prefetch_events(Bytes file, std::string_view display_path, Diagnostics& diags,
                             std::vector<model::Event>& out);

}  // namespace msw::normalize
