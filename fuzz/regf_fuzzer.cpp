#include <cstddef>
#include <cstdint>

#include "formats/regf/regf.h"
#include "formats/regf/transaction_log.h"

// A registry hive from a triage collection: open it, walk every key, read every value as each accessor would, and
// look paths up — the work the Windows artefact extractors do on attacker-shaped hives — then recover deleted keys
// and replay the bytes as their own transaction log.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace regf = msw::formats::regf;
  msw::Diagnostics diags;
  auto hive = regf::Hive::open(msw::Bytes(reinterpret_cast<const std::byte*>(data), size), "fuzz.hve", diags);
  if (!hive) return 0;
  size_t keys = 0;
  hive->walk([&](const std::string& path, const regf::Key& key) {
    (void)path;
    (void)key.name();
    (void)key.last_written();
    (void)key.class_name();
    key.for_each_value([](const regf::Value& v) {
      (void)v.text();
      (void)v.strings();
      (void)v.number();
      (void)v.details();
      return true;
    });
    return ++keys < 100000;
  });
  (void)hive->find("Microsoft\\Windows\\CurrentVersion\\Run");
  (void)hive->find("Run");
  (void)hive->recover_deleted_keys();
  // The same bytes as a transaction log for themselves: entry parsing, hashes, page bounds.
  const msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  const msw::Bytes logs[] = {bytes};
  regf::LogReplay info;
  (void)regf::replay_transaction_logs(bytes, logs, info);
  return 0;
}
