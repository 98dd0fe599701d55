// Heuristics on a disk's boot sectors (normalize/boot_record): boot code that is none of the standard loaders
// (Windows, GRUB 2, SYSLINUX) — what an MBR bootkit such as MyKings' leaves — and data hidden in the sectors before
// the first partition behind a loader that does not use them. Both come with the repair step for the plan.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kUnknownBootCodeRule = "heuristic.mbr_unknown_boot_code";
inline constexpr std::string_view kHiddenSectorsRule = "heuristic.mbr_hidden_sectors";

std::unique_ptr<Engine> make_boot_sector_engine();

}  // namespace msw::detect::heuristics
