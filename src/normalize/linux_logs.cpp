// Linux authentication logs → "authentication" events (product linux, service auth, as Sigma's Linux auth rules
// expect), with the fields Windows logon events use (TargetUserName, IpAddress, IpPort), so one brute-force
// analysis reads both 4625/4624 and sshd's Failed/Accepted lines.
#include "core/gzip.h"
#include "formats/authlog/authlog.h"
#include "normalize/normalize.h"

namespace msw::normalize {

// Rotated logs are inflated in memory up to this size; the rest of a larger one is reported as skipped.
inline constexpr size_t kMaxInflatedLogBytes = 1ull << 30;

Result<void> auth_log_events(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& on_batch) {
  Inflated inflated;
  std::string_view text = as_chars(bytes);
  if (bytes.size() >= 2 && bytes[0] == std::byte{0x1f} && bytes[1] == std::byte{0x8b}) {
    auto r = gunzip(bytes, kMaxInflatedLogBytes);
    if (!r) return r.error();
    inflated = std::move(r).value();
    if (inflated.truncated)
      diags.add("authlog.truncated", DiagSeverity::Warning, std::string(src.display_path), 0,
                "decompressed log larger than 1 GiB; the rest was not read");
    if (inflated.damaged)
      diags.add("authlog.damaged", DiagSeverity::Warning, std::string(src.display_path), 0,
                "compressed log is damaged; read up to the damage");
    text = inflated.bytes;
  }
  // Traditional stamps have no year: the analysis time stands in for the collection time (see authlog.h).
  const Timestamp reference = now_utc();
  std::vector<model::Event> batch;
  batch.reserve(kEventBatch);
  auto stats = formats::authlog::parse(text, reference, [&](const formats::authlog::Record& r) {
    model::Event& ev = batch.emplace_back();
    ev.category = "authentication";
    ev.product = "linux";
    ev.service = "auth";
    ev.artefact = src.display_path;
    ev.offset = r.offset;
    ev.time = r.time;
    ev.set(model::Field::EventType, std::string(formats::authlog::to_string(r.kind)));
    ev.set(model::Field::TargetUserName, std::string(r.user.substr(0, 256)));
    if (!r.address.empty()) ev.set(model::Field::IpAddress, std::string(r.address.substr(0, 64)));
    if (!r.port.empty()) ev.set(model::Field::IpPort, std::string(r.port.substr(0, 8)));
    ev.set(model::Field::Image, std::string(r.program.substr(0, 64)));
    if (!r.pid.empty()) ev.set(model::Field::ProcessId, std::string(r.pid.substr(0, 16)));
    ev.set(model::Field::Hostname, std::string(r.host.substr(0, 256)));
    ev.set(model::Field::LineNumber, std::to_string(r.line));
    ev.set(model::Field::Message, std::string(r.text.substr(0, 2048)));
    if (!r.method.empty()) ev.set("AuthenticationMethod", std::string(r.method.substr(0, 64)));
    if (!r.command.empty()) ev.set(model::Field::CommandLine, std::string(r.command.substr(0, 8192)));
    if (r.count > 1) ev.set("Count", std::to_string(r.count));
    if (batch.size() >= kEventBatch) {
      on_batch(std::move(batch));
      batch.clear();
      batch.reserve(kEventBatch);
    }
  });
  if (!batch.empty()) on_batch(std::move(batch));
  if (stats.undated)
    diags.add("authlog.undated", DiagSeverity::Info, std::string(src.display_path), 0,
              std::to_string(stats.undated) + " lines without a readable time stamp");
  return {};
}

}  // namespace msw::normalize
