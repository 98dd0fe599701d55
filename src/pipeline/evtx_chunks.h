// The EVTX chunk as a unit of work: every chunk of every log is parsed on the pool's threads (a triage folder of
// many small logs uses both cores as one large log does) and handed over in log and chunk order, with memory flat
// whatever the input's size. `evtx dump|hunt|logons` run on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/mapped_file.h"
#include "core/result.h"
#include "core/thread_pool.h"

namespace msw::pipeline {

// An event log a command reads: mapped, with its chunk count.
struct EvtxLog {
  std::string path;
  MappedFile file;
  size_t chunks = 0;
};

// A file given as a log that is not one, or cannot be read: said to the user, and the other logs are still read.
struct SkippedLog {
  std::string path;
  Error error;
};

// Folders among the inputs are read recursively for event logs, recognised by their header ("ElfFile\0"), in path
// order; links inside them are not followed. Files are kept as given (one that is not EVTX is skipped when opened).
std::vector<std::string> expand_evtx_inputs(std::span<const std::string> inputs);

// Maps every file and reads its header; the ones that fail are in `skipped`, in input order.
std::vector<EvtxLog> open_evtx_logs(std::span<const std::string> files, Diagnostics& diags,
                                    std::vector<SkippedLog>& skipped);

struct ChunkRef {
  size_t log = 0;  // index into the logs
  uint32_t chunk = 0;
};

// How many chunks may be parsed ahead of the one being handed over: the caller's ring of results has this size.
size_t evtx_ring_slots(const ThreadPool& pool);

// Runs parse(worker, slot, chunk) for every chunk of every log, on up to pool.size() threads (`worker` < pool.size():
// per-thread state such as a ChunkParser is indexed by it), into ring slot `slot` (< evtx_ring_slots(pool)); and
// deliver(slot, chunk) for each in log and chunk order, never two at once, while later chunks are parsed. A slot is
// reused only after its delivery. A delivered chunk's pages leave memory, and a log is unmapped after its last chunk.
void run_evtx_chunks(ThreadPool& pool, std::vector<EvtxLog>& logs,
                     const std::function<void(size_t worker, size_t slot, ChunkRef chunk)>& parse,
                     const std::function<void(size_t slot, ChunkRef chunk)>& deliver);

}  // namespace msw::pipeline
