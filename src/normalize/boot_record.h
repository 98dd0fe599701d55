// The first sectors of a disk (formats/mbr) → one "boot_record" event: which loader the MBR holds and why, the boot
// code's SHA-256 and entropy, the partitions, and how much of the gap before the first partition is used.
#pragma once

#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"
#include "model/event.h"

namespace msw::normalize {

// Errors: mbr.not_mbr.
Result<void> boot_record_events(Bytes disk, std::string_view display_path, std::vector<model::Event>& out);

}  // namespace msw::normalize
