#include "normalize/sql_errorlog.h"

#include "core/text.h"
#include "core/time.h"

namespace msw::normalize {

Result<void> sql_errorlog_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (size_t{256} << 20)) return Error::make("errorlog.too_large", "ERRORLOG over 256 MiB");
  const DecodedText text = decode_text(bytes);
  for_each_line(text.utf8, [&](std::string_view line, uint64_t no) {
    // "2019-03-04 03:12:01.23 Logon       Login failed for user 'sa'. Reason: ... [CLIENT: 10.0.0.50]"
    const size_t login = line.find("Login ");
    if (line.size() < 24 || login == std::string_view::npos) return;
    const bool failed = line.compare(login, 18, "Login failed for u") == 0;
    const bool succeeded = line.compare(login, 21, "Login succeeded for u") == 0;
    if (!failed && !succeeded) return;
    const size_t q1 = line.find('\'', login), q2 = q1 == std::string_view::npos ? q1 : line.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return;
    model::Event e;
    e.category = "authentication";
    e.product = "windows";
    e.artefact = src.display_path;
    std::string stamp(line.substr(0, 19));
    stamp[10] = 'T';
    if (auto t = parse_iso8601(stamp + "Z")) e.time = *t;
    e.set(model::Field::EventType, failed ? "failure" : "success");
    e.set(model::Field::TargetUserName, std::string(line.substr(q1 + 1, std::min<size_t>(q2 - q1 - 1, 256))));
    if (const size_t c = line.find("[CLIENT: "); c != std::string_view::npos) {
      const size_t end = line.find(']', c);
      if (end != std::string_view::npos) e.set(model::Field::IpAddress, std::string(trim(line.substr(c + 9, std::min<size_t>(end - c - 9, 64)))));
    }
    if (const size_t r = line.find("Reason: "); r != std::string_view::npos) {
      const size_t end = line.find(" [CLIENT", r);
      e.set("Reason", std::string(line.substr(r + 8, std::min<size_t>((end == std::string_view::npos ? line.size() : end) - r - 8, 512))));
    }
    e.set("AuthService", "SQL Server");
    e.set(model::Field::LineNumber, std::to_string(no));
    e.set(model::Field::Message, std::string(line.substr(0, 2048)));
    out.push_back(std::move(e));
  });
  return {};
}

}  // namespace msw::normalize
