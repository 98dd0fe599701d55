#include "normalize/toylog.h"

#include <string>
#include <utility>

#include "formats/toylog/toylog.h"

namespace msw::normalize {

Result<void> parse_toylog(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn) {
  auto logins = formats::toylog::parse(bytes, src.display_path, diags);
  if (!logins) return logins.error();
  std::vector<model::Event> batch;
  for (const auto& login : *logins) {
    model::Event& ev = batch.emplace_back();
    ev.category = "authentication";
    ev.product = src.platform;
    ev.service = "toy";
    ev.artefact = src.display_path;
    ev.offset = login.offset;
    ev.set(model::Field::TargetUserName, std::string(login.user));
    ev.set(model::Field::IpAddress, std::string(login.address));
    ev.set(model::Field::EventType, login.succeeded ? "success" : "failure");
    if (batch.size() == kEventBatch) fn(std::exchange(batch, {}));
  }
  if (!batch.empty()) fn(std::move(batch));
  return {};
}

}  // namespace msw::normalize
