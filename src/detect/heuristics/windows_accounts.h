// A local account created (Security 4720) and, within a day, added to the local Administrators group (4732 with
// the group SID S-1-5-32-544, the same in every language): a back door that survives a cleanup of files and tasks
// (MyKings' admin$). Windows Setup does the same for the first user it creates — by SYSTEM or the machine account,
// RID 1000, in the first hour of the host's Security log — and that pair is no finding; so are the built-in
// accounts Setup creates (RIDs below 1000). Across every log of the run, since the two events can sit in
// different files; state is bounded.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kAccountCreatedAdminRule = "heuristic.account_created_admin";

// Account events kept per run (creations and Administrators additions each).
inline constexpr size_t kMaxAccountEvents = 10'000;

std::unique_ptr<CaseEngine> make_windows_account_engine();

}  // namespace msw::detect::heuristics
