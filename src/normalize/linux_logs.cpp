// Linux authentication logs → "authentication" events (product linux, service auth, as Sigma's Linux auth rules
// expect), with the fields Windows logon events use (TargetUserName, IpAddress, IpPort), so one brute-force
// analysis reads both 4625/4624 and sshd's Failed/Accepted lines.
#include "core/gzip.h"
#include "formats/authlog/authlog.h"
#include "normalize/normalize.h"

namespace msw::normalize {

// Rotated logs are read as they inflate, a window at a time, up to this many decompressed bytes: a 2 MB
// auth.log.2.gz can claim gigabytes, and anyone who can write /var/log must not be able to stop a triage.
inline constexpr size_t kMaxInflatedLogBytes = size_t{1} << 30;

Result<void> auth_log_events(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& on_batch) {
  // Traditional stamps have no year: the analysis time stands in for the collection time (see authlog.h).
  const Timestamp reference = now_utc();
  std::vector<model::Event> batch;
  batch.reserve(kEventBatch);
  formats::authlog::Stats total;
  uint64_t base_offset = 0;  // of the block being parsed, in the (decompressed) log
  uint32_t base_line = 0;
  // Parses whole lines; `text` ends with a line break, or is the log's last line.
  auto parse_block = [&](std::string_view text) {
    auto stats = formats::authlog::parse(text, reference, [&](const formats::authlog::Record& r) {
      model::Event& ev = batch.emplace_back();
      ev.category = "authentication";
      ev.product = "linux";
      ev.service = "auth";
      ev.artefact = src.display_path;
      ev.offset = base_offset + r.offset;
      ev.time = r.time;
      ev.set(model::Field::EventType, std::string(formats::authlog::to_string(r.kind)));
      ev.set(model::Field::TargetUserName, std::string(r.user.substr(0, 256)));
      if (!r.address.empty()) ev.set(model::Field::IpAddress, std::string(r.address.substr(0, 64)));
      if (!r.port.empty()) ev.set(model::Field::IpPort, std::string(r.port.substr(0, 8)));
      ev.set(model::Field::Image, std::string(r.program.substr(0, 64)));
      if (!r.pid.empty()) ev.set(model::Field::ProcessId, std::string(r.pid.substr(0, 16)));
      ev.set(model::Field::Hostname, std::string(r.host.substr(0, 256)));
      ev.set(model::Field::LineNumber, std::to_string(base_line + r.line));
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
    total.lines += stats.lines;
    total.records += stats.records;
    total.undated += stats.undated;
    base_offset += text.size();
    base_line += static_cast<uint32_t>(stats.lines);
  };

  if (bytes.size() >= 2 && bytes[0] == std::byte{0x1f} && bytes[1] == std::byte{0x8b}) {
    // Whole lines go to the parser as they come out; the start of a line that continues in the next piece waits
    // (cut at the parser's line length: the rest of an overlong line is skipped up to its break).
    constexpr size_t kLine = formats::authlog::kMaxLineBytes;
    std::string carry;
    uint64_t cut = 0;  // bytes of the carried line past the cut
    auto take_partial = [&](std::string_view p) {
      const size_t room = kLine - std::min(carry.size(), kLine);
      carry.append(p.substr(0, room));
      cut += p.size() - std::min(p.size(), room);
    };
    auto r = gunzip_each(bytes, kMaxInflatedLogBytes, [&](std::string_view piece) {
      const size_t first = piece.find('\n');
      if (first == std::string_view::npos) {
        take_partial(piece);
        return;
      }
      if (!carry.empty() || cut) {  // the carried line ends in this piece
        take_partial(piece.substr(0, first));
        carry += '\n';
        parse_block(carry);
        base_offset += cut;
        carry.clear();
        cut = 0;
        piece.remove_prefix(first + 1);
      }
      if (const size_t last = piece.rfind('\n'); last != std::string_view::npos) {
        parse_block(piece.substr(0, last + 1));
        piece.remove_prefix(last + 1);
      }
      take_partial(piece);
    });
    if (!r) return r.error();
    if (!carry.empty()) parse_block(carry);
    if (r->truncated)
      diags.add("authlog.truncated", DiagSeverity::Warning, std::string(src.display_path), 0,
                "decompressed log larger than " + std::to_string(kMaxInflatedLogBytes >> 20) +
                    " MiB (a decompression bomb?); the rest was not read");
    if (r->damaged)
      diags.add("authlog.damaged", DiagSeverity::Warning, std::string(src.display_path), 0,
                "compressed log is damaged; read up to the damage");
  } else {
    parse_block(as_chars(bytes));
  }
  if (!batch.empty()) on_batch(std::move(batch));
  if (total.undated)
    diags.add("authlog.undated", DiagSeverity::Info, std::string(src.display_path), 0,
              std::to_string(total.undated) + " lines without a readable time stamp");
  return {};
}

}  // namespace msw::normalize
