#include "formats/task_job/task_job.h"

#include <cstdio>

#include "core/text.h"

namespace msw::formats::task_job {
namespace {

constexpr size_t kFixedBytes = 0x44;
constexpr size_t kTriggerBytes = 48;

std::string uuid_text(Bytes b) {
  char out[40];
  std::snprintf(out, sizeof out, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", wire::le32(b, 0),
                wire::le16(b, 4), wire::le16(b, 6), static_cast<unsigned>(b[8]), static_cast<unsigned>(b[9]),
                static_cast<unsigned>(b[10]), static_cast<unsigned>(b[11]), static_cast<unsigned>(b[12]),
                static_cast<unsigned>(b[13]), static_cast<unsigned>(b[14]), static_cast<unsigned>(b[15]));
  return out;
}

std::string_view trigger_kind(uint32_t t) {
  switch (t) {
    case 0: return "once";
    case 1: return "daily";
    case 2: return "weekly";
    case 3: return "monthly (date)";
    case 4: return "monthly (day of week)";
    case 5: return "when idle";
    case 6: return "at system start";
    case 7: return "at logon";
    default: return "unknown";
  }
}

}  // namespace

bool looks_like_job(Bytes b) {
  if (b.size() < kFixedBytes + 4) return false;
  const uint16_t product = wire::le16(b, 0);
  const bool windows = product >= 0x0400 && product <= 0x0A00 && (product & 0xFF) <= 0x03;
  return windows && wire::le16(b, 2) == 1 && wire::le16(b, 20) == 0x46 && wire::le16(b, 22) > 0x46;
}

Result<Job> parse(Bytes file) {
  if (!looks_like_job(file)) return Error::make("job.not_job", "not a Task Scheduler 1.0 job (file version 1, variable section at 0x46)");
  Job job;
  job.product_version = wire::le16(file, 0);
  job.file_version = wire::le16(file, 2);
  job.uuid = uuid_text(file.subspan(4, 16));
  job.exit_code = wire::le32(file, 40);
  job.status = wire::le32(file, 44);
  job.flags = wire::le32(file, 48);
  // SYSTEMTIME: year, month, weekday, day, hour, minute, second, milliseconds.
  const uint16_t year = wire::le16(file, 52), month = wire::le16(file, 54), day = wire::le16(file, 58);
  if (year >= 1601 && month >= 1 && month <= 12 && day >= 1 && day <= 31) {
    char iso[32];
    std::snprintf(iso, sizeof iso, "%04u-%02u-%02uT%02u:%02u:%02uZ", year, month, day, wire::le16(file, 60) % 24,
                  wire::le16(file, 62) % 60, wire::le16(file, 64) % 60);
    if (auto t = parse_iso8601(iso)) job.last_run = *t;
  }
  ByteReader r(file);
  (void)r.seek(0x46);
  auto text = [&](std::string& out, std::string_view what) -> Result<void> {
    auto chars = r.u16le(what);
    if (!chars) return Error::make("job.truncated", std::string(what) + " length cut short");
    auto b = r.bytes(size_t{*chars} * 2, what);
    if (!b) return Error::make("job.truncated", std::string(what) + " runs past the end of the file");
    out = utf16le_to_utf8(b->first(b->size() >= 2 ? b->size() - 2 : 0)).utf8;  // without its NUL
    return {};
  };
  if (auto e = text(job.application, "application name"); !e) return e.error();
  if (auto e = text(job.parameters, "parameters"); !e) return e.error();
  if (auto e = text(job.working_directory, "working directory"); !e) return e.error();
  if (auto e = text(job.author, "author"); !e) return e.error();
  if (auto e = text(job.comment, "comment"); !e) return e.error();
  for (auto what : {"user data", "reserved data"}) {
    auto n = r.u16le(what);
    if (!n || !r.skip(*n, what)) return Error::make("job.truncated", std::string(what) + " runs past the end of the file");
  }
  auto count = r.u16le("trigger count");
  if (!count) return Error::make("job.truncated", "trigger count cut short");
  for (uint16_t i = 0; i < *count && i < kMaxTriggers; ++i) {
    auto t = r.bytes(kTriggerBytes, "trigger");
    if (!t) return Error::make("job.truncated", "trigger " + std::to_string(i) + " runs past the end of the file");
    Trigger tr;
    tr.kind = trigger_kind(wire::le32(*t, 32));
    char start[32];
    std::snprintf(start, sizeof start, "%04u-%02u-%02uT%02u:%02u", wire::le16(*t, 4), wire::le16(*t, 6) % 100,
                  wire::le16(*t, 8) % 100, wire::le16(*t, 16) % 100, wire::le16(*t, 18) % 100);
    tr.start = start;
    tr.interval_minutes = wire::le32(*t, 24);
    tr.disabled = wire::le32(*t, 28) & 0x4;
    job.triggers.push_back(std::move(tr));
  }
  return job;
}

std::string describe_triggers(const Job& job) {
  std::string out;
  for (const auto& t : job.triggers) {
    out += (out.empty() ? "" : "; ") + t.kind + " from " + t.start;
    if (t.interval_minutes) out += " every " + std::to_string(t.interval_minutes) + " min";
    if (t.disabled) out += " (disabled)";
  }
  return out;
}

}  // namespace msw::formats::task_job
