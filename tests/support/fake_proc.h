// A fake /proc (and /etc/passwd) under a test root, holding one miner process and its pool connection, for
// collector tests and `triage --root` end-to-end tests.
#pragma once

#include <filesystem>
#include <string_view>

namespace msw::test {

// A made-up address with the shape of a Monero wallet (95 base58 characters starting with 4).
inline constexpr std::string_view kFakeMinerWallet =
    "44BJRYfnu29GPWdksz7EMUbiqx5CKSZgov3AHQXemt18FNVcjry6DLTahpw4BJRYfnu29GPWdksz7EMUbiqx5CKSZgov3AH";

void make_fake_proc(const std::filesystem::path& root);

}  // namespace msw::test
