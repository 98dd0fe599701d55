#include "pipeline/evtx_chunks.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "evidence/evidence.h"
#include "formats/evtx/evtx.h"
#include "formats/evtx/evtx_limits.h"

namespace msw::pipeline {

namespace evtx = formats::evtx;

std::vector<std::string> expand_evtx_inputs(std::span<const std::string> inputs) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    const auto st = fs::symlink_status(in, ec);
    if (ec || !fs::is_directory(st)) {
      out.push_back(in);
      continue;
    }
    // The evidence walker: folders listed with O_NOATIME, depth and count capped, unreadable folders skipped.
    const std::string folder[] = {in};
    auto inventory = evidence::enumerate(folder);
    if (!inventory) continue;
    std::vector<std::string> found;
    for (const auto& c : inventory->files) {
      if (c.disk_path != c.display_path) continue;  // reached through a link: not followed here
      // MappedFile opens with O_NOATIME: looking at a log does not change its access time.
      auto f = MappedFile::open(c.disk_path);
      if (f && f->size() >= 8 && std::memcmp(f->bytes().data(), "ElfFile", 8) == 0) found.push_back(c.disk_path);
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::vector<EvtxLog> open_evtx_logs(std::span<const std::string> files, Diagnostics& diags,
                                    std::vector<SkippedLog>& skipped) {
  std::vector<EvtxLog> out;
  for (const auto& path : files) {
    auto file = MappedFile::open(path);
    auto info = file ? evtx::read_file_info(file->bytes(), path, diags) : Result<evtx::FileInfo>(file.error());
    if (!info) {
      skipped.push_back({path, info.error()});
      continue;
    }
    out.push_back({path, std::move(*file), info->chunks_in_file});
  }
  return out;
}

size_t evtx_ring_slots(const ThreadPool& pool) { return size_t{pool.size()} * 8; }

void run_evtx_chunks(ThreadPool& pool, std::vector<EvtxLog>& logs,
                     const std::function<void(size_t worker, size_t slot, ChunkRef chunk)>& parse,
                     const std::function<void(size_t slot, ChunkRef chunk)>& deliver) {
  std::vector<ChunkRef> work;
  for (size_t l = 0; l < logs.size(); ++l)
    for (size_t c = 0; c < logs[l].chunks; ++c) work.push_back({l, static_cast<uint32_t>(c)});
  // A ring of slots: chunk i is parsed into slot i % slots once chunk i - slots has been delivered. Every thread
  // claims chunks in order, parses, and then delivers whatever is ready in order unless another thread is
  // delivering; so no thread waits at a barrier, delivery overlaps parsing, and memory stays flat.
  const size_t threads = pool.size(), slots = evtx_ring_slots(pool);
  std::vector<size_t> parsed_into(slots, SIZE_MAX);  // the work item each slot holds, SIZE_MAX while empty
  std::mutex mutex;                                  // guards next_claim, next_deliver, delivering and parsed_into
  std::condition_variable slot_freed;
  size_t next_claim = 0, next_deliver = 0;
  bool delivering = false;

  // Delivered chunks leave memory: a log is unmapped after its last chunk (every earlier chunk is delivered by
  // then, so no thread reads it), and the delivered chunks of a log still being read are released 16 at a time.
  size_t run_log = logs.size();
  uint32_t run_first = 0, run_end = 0;
  auto release_run = [&] {
    if (run_log < logs.size())
      logs[run_log].file.release(evtx::kFileHeaderSize + size_t{run_first} * evtx::kChunkSize,
                                 size_t{run_end - run_first} * evtx::kChunkSize);
    run_log = logs.size();
  };
  auto delivered = [&](ChunkRef c) {
    if (c.chunk + 1 == logs[c.log].chunks) {
      if (run_log == c.log) run_log = logs.size();
      logs[c.log].file = MappedFile();
    } else if (run_log == c.log && c.chunk == run_end && run_end - run_first < 16) {
      ++run_end;
    } else {
      release_run();
      run_log = c.log;
      run_first = c.chunk;
      run_end = c.chunk + 1;
    }
  };

  pool.parallel_for(threads, [&](size_t worker) {
    for (;;) {
      size_t i;
      {
        std::unique_lock lock(mutex);
        if (next_claim == work.size()) return;
        i = next_claim++;
        // Item next_deliver is claimed and never waits, so the item this one waits for is always delivered.
        slot_freed.wait(lock, [&] { return i < next_deliver + slots; });
      }
      parse(worker, i % slots, work[i]);
      std::unique_lock lock(mutex);
      parsed_into[i % slots] = i;
      if (delivering) continue;  // the delivering thread takes this slot when its turn comes
      delivering = true;
      while (parsed_into[next_deliver % slots] == next_deliver) {
        const size_t ready = next_deliver;
        lock.unlock();
        deliver(ready % slots, work[ready]);
        delivered(work[ready]);
        lock.lock();
        parsed_into[ready % slots] = SIZE_MAX;
        ++next_deliver;
        slot_freed.notify_all();
      }
      delivering = false;
    }
  });
  release_run();
}

}  // namespace msw::pipeline
