// The one table from artefact kind to parser. Add a row when a format lands; kinds without a row are inventoried
// (hashed and typed) but not parsed.
#include "core/mapped_file.h"
#include "core/text.h"
#include "formats/regf/transaction_log.h"
#include "normalize/boot_record.h"
#include "normalize/evtx.h"
#include "normalize/normalize.h"
#include "normalize/pcap_flows.h"
#include "normalize/sql_errorlog.h"
#include "normalize/windows_prefetch.h"
#include "normalize/windows_registry.h"
#include "normalize/windows_tasks.h"
#include "normalize/windows_wmi.h"

namespace msw::normalize {
namespace {

using ParseFn = Result<void> (*)(Bytes, const Source&, Diagnostics&, const EventBatchFn&);

// Collects events and hands them on in batches.
class Batcher {
 public:
  explicit Batcher(const EventBatchFn& fn) : fn_(fn) { batch_.reserve(kEventBatch); }
  ~Batcher() { flush(); }
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;
  std::vector<model::Event>& events() { return batch_; }
  void maybe_flush() {
    if (batch_.size() >= kEventBatch) flush();
  }
  void flush() {
    if (batch_.empty()) return;
    fn_(std::move(batch_));
    batch_.clear();
    batch_.reserve(kEventBatch);
  }

 private:
  const EventBatchFn& fn_;
  std::vector<model::Event> batch_;
};

Result<void> parse_hosts(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  auto file = formats::hosts::parse(bytes, src.display_path, diags);
  if (!file) return file.error();
  // One batch whatever its size: the hosts heuristic judges a file's entries together (lines are grouped).
  std::vector<model::Event> events;
  hosts_events(*file, src, events);
  if (!events.empty()) fn(std::move(events));
  return {};
}

Result<void> parse_resolv(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  auto conf = formats::resolv_conf::parse(bytes, src.display_path, diags);
  if (!conf) return conf.error();
  Batcher b(fn);
  resolv_conf_events(*conf, src, b.events());
  return {};
}

Result<void> parse_evtx(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  auto info = formats::evtx::read_file_info(bytes, src.display_path, diags);
  if (!info) return info.error();
  formats::evtx::ChunkParser parser(bytes, std::string(src.display_path));
  Batcher b(fn);
  // Slack recovery is left to 'evtx dump --recover': recovered records may belong to an older log and must not mix
  // silently with live ones in detections.
  for (uint32_t c = 0; c < info->chunks_in_file; ++c) {
    parser.parse_chunk(c, /*recover_slack=*/false, diags, [&](const formats::evtx::Record& rec) {
      b.events().emplace_back();
      evtx_record_event(rec, src.display_path, b.events().back());
    });
    b.maybe_flush();
  }
  return {};
}

// A capture becomes its flows (normalize/pcap_flows), handed on in batches.
Result<void> parse_capture(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  auto flows = capture_flows(bytes, src.display_path, diags);
  if (!flows) return flows.error();
  Batcher b(fn);
  for (auto& e : flows->flows) {
    b.events().push_back(std::move(e));
    b.maybe_flush();
  }
  return {};
}

Result<void> parse_task(Bytes bytes, const Source& src, Diagnostics&, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  if (auto r = scheduled_task_events(bytes, src.display_path, events); !r) return r.error();
  if (!events.empty()) fn(std::move(events));
  return {};
}

// A dirty hive (its last write did not finish) gets the newer data from the .LOG1/.LOG2 files beside it, when the
// collection has them; the evidence files are only read.
std::vector<std::byte> replay_beside(Bytes hive, const Source& src, Diagnostics& diags) {
  if (src.disk_path.empty() || hive.size() < 4096 || wire::le32(hive, 4) == wire::le32(hive, 8)) return {};
  std::vector<MappedFile> files;
  std::vector<Bytes> logs;
  std::string names;
  for (auto suffix : {".LOG1", ".LOG2", ".LOG", ".log1", ".log2", ".log"}) {
    if (files.size() == 3) break;
    auto f = MappedFile::open(std::string(src.disk_path) + suffix);
    if (!f) continue;
    names += (names.empty() ? "" : ", ") + std::string(suffix).substr(1);
    files.push_back(std::move(f).value());
    logs.push_back(files.back().bytes());
  }
  if (logs.empty()) return {};
  formats::regf::LogReplay info;
  auto replayed = formats::regf::replay_transaction_logs(hive, logs, info);
  if (!replayed) {
    diags.add_error(replayed.error(), std::string(src.display_path), DiagSeverity::Warning);
    return {};
  }
  if (info.entries_applied == 0) {
    diags.add("regf.not_replayed", DiagSeverity::Warning, std::string(src.display_path), 0,
              "dirty hive: no applicable entry in " + names + (info.stopped.empty() ? "" : " (" + info.stopped + ")") +
                  "; its newest changes may be missing");
    return {};
  }
  diags.add(
      "regf.replayed", DiagSeverity::Info, std::string(src.display_path), 0,
      "dirty hive: applied " +
          std::string(info.old_format ? "the old-format log" : std::to_string(info.entries_applied) + " log entries") +
          " (" + std::to_string(info.pages_written) + " pages, sequence " + std::to_string(info.first_sequence) + "-" +
          std::to_string(info.last_sequence) + ") from " + names +
          (info.stopped.empty() ? "" : "; stopped: " + info.stopped));
  return std::move(replayed).value();
}

// A hive becomes the values of its persistence and configuration keys (normalize/windows_registry).
Result<void> parse_hive(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  const std::vector<std::byte> replayed = replay_beside(bytes, src, diags);
  if (!replayed.empty()) bytes = replayed;
  // A SAM next to its SYSTEM hive (as Windows keeps them): the boot key lets the accounts' passwords be tested.
  std::optional<formats::regf::Key16> boot_key;
  if (const size_t slash = src.disk_path.find_last_of('/');
      slash != std::string_view::npos && iequals_ascii(src.disk_path.substr(slash + 1), "SAM"))
    for (auto name : {"SYSTEM", "system", "System"}) {
      auto f = MappedFile::open(std::string(src.disk_path.substr(0, slash + 1)) + name);
      if (!f) continue;
      Diagnostics ignored;
      if (auto system = formats::regf::Hive::open(f->bytes(), name, ignored))
        boot_key = formats::regf::boot_key(*system);
      break;
    }
  std::vector<model::Event> events;
  if (auto r = registry_hive_events(bytes, src.display_path, diags, events, boot_key); !r) return r.error();
  if (!events.empty()) fn(std::move(events));
  return {};
}

Result<void> parse_prefetch(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  if (auto r = prefetch_events(bytes, src.display_path, diags, events); !r) return r.error();
  if (!events.empty()) fn(std::move(events));
  return {};
}

Result<void> parse_startup_item(Bytes bytes, const Source& src, Diagnostics&, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  startup_item_events(bytes, src.display_path, events);
  if (!events.empty()) fn(std::move(events));
  return {};
}

Result<void> parse_boot_record(Bytes bytes, const Source& src, Diagnostics&, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  if (auto r = boot_record_events(bytes, src.display_path, events); !r) return r.error();
  for (auto& e : events) e.product = std::string(src.platform);
  if (!events.empty()) fn(std::move(events));
  return {};
}

Result<void> parse_wmi(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  if (auto r = wmi_subscription_events(bytes, src.display_path, diags, events); !r) return r.error();
  if (!events.empty()) fn(std::move(events));  // one batch: bindings are judged with their filters and consumers
  return {};
}

Result<void> parse_wmi_table(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  wmi_table_events(bytes, src.display_path, diags, events);
  if (!events.empty()) fn(std::move(events));  // one batch, as for the repository
  return {};
}

// Account tables: /etc/passwd-like rows from Linux, NetUserEnum rows from Windows.
Result<void> parse_accounts(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  if (src.platform == "windows")
    windows_account_events(bytes, src, diags, events);
  else
    keyed_table_events(bytes, src, "user_account", "", diags, events);
  if (!events.empty()) fn(std::move(events));
  return {};
}

// Tables are host snapshots judged as a whole (a process with its connections), so one batch per table.
template <void (*Fn)(Bytes, const Source&, Diagnostics&, std::vector<model::Event>&)>
Result<void> parse_table(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  Fn(bytes, src, diags, events);
  if (!events.empty()) fn(std::move(events));
  return {};
}

// Small line-oriented files: parsed whole, handed on as one batch.
template <Result<void> (*Fn)(Bytes, const Source&, Diagnostics&, std::vector<model::Event>&)>
Result<void> parse_lines(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  if (auto r = Fn(bytes, src, diags, events); !r) return r;
  if (!events.empty()) fn(std::move(events));
  return {};
}

template <const std::string_view* Category, const std::string_view* TimeKey>
Result<void> parse_keyed(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  std::vector<model::Event> events;
  keyed_table_events(bytes, src, *Category, *TimeKey, diags, events);
  if (!events.empty()) fn(std::move(events));
  return {};
}
constexpr std::string_view kPackageUpdate = "package_update";
constexpr std::string_view kSystemInfo = "system_info", kKernelModule = "kernel_module", kFileInfo = "file_info",
                           kNoTime = "", kBootUnix = "BootUnix", kModifiedUnix = "ModifiedUnix";

struct ParserRow {
  evidence::ArtefactKind kind;
  ParseFn parse;
};
constexpr ParseFn no_parser = nullptr;
constexpr ParserRow kParsers[] = {
#define MSW_ARTEFACT_KIND(id, name, parser, meaning) {evidence::ArtefactKind::id, parser},
#include "evidence/artefact_kinds.def"
};

}  // namespace

Result<bool> parse_artefact(const evidence::Artefact& artefact, Bytes bytes, Diagnostics& diags,
                            const EventBatchFn& on_batch) {
  Source src{artefact.source.display_path, artefact.platform, artefact.source.disk_path};
  for (const auto& row : kParsers) {
    if (row.kind != artefact.kind) continue;
    if (!row.parse) return false;
    if (auto r = row.parse(bytes, src, diags, on_batch); !r) return r.error();
    return true;
  }
  return false;
}

}  // namespace msw::normalize
