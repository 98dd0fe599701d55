#include "normalize/windows_prefetch.h"

#include <cstdio>
#include <optional>

#include "core/text.h"
#include "core/time.h"
#include "formats/prefetch/prefetch.h"

namespace msw::normalize {

Result<void> prefetch_events(Bytes file, std::string_view path, Diagnostics& diags, std::vector<model::Event>& out) {
  auto pf = formats::prefetch::parse(file, path, diags);
  if (!pf) return pf.error();
  std::string image = pf->executable_path(), device;
  // \VOLUME{…}\WINDOWS\… or \DEVICE\HARDDISKVOLUME1\WINDOWS\…: the volume part is not a drive letter.
  for (const auto& v : pf->volumes)
    if (!v.device_path.empty() && image.size() > v.device_path.size() &&
        iequals_ascii(std::string_view(image).substr(0, v.device_path.size()), v.device_path)) {
      device = v.device_path;
      image = image.substr(device.size());
      break;
    }
  if (image.empty()) image = pf->executable;
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08X", pf->hash);
  auto event = [&](std::optional<Timestamp> when, size_t index) {
    model::Event e;
    e.category = "prefetch_execution";
    e.product = "windows";
    e.artefact = path;
    e.time = when;
    e.set(model::Field::Image, image);
    e.set("PrefetchExecutable", pf->executable);
    e.set("RunCount", std::to_string(pf->run_count));
    e.set("PrefetchHash", hash);
    e.set("PrefetchVersion", std::to_string(pf->version));
    e.set("FilesLoaded", std::to_string(pf->files.size()));
    if (!device.empty()) e.set("VolumeDevice", device);
    e.set("RunIndex", std::to_string(index + 1));
    out.push_back(std::move(e));
  };
  size_t emitted = 0;
  for (size_t i = 0; i < pf->last_runs.size(); ++i)
    if (auto t = from_filetime(pf->last_runs[i])) event(*t, emitted++);
  if (emitted == 0) event(std::nullopt, 0);
  return {};
}

}  // namespace msw::normalize
