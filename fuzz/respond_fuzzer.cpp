#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "respond/credentials.h"
#include "respond/line_edit.h"

// What `respond --apply` reads from the host it cleans, which the attacker wrote: a crontab or start-up file in which
// the flagged line is looked for (the flagged text is the input's first line, so matches happen), and /etc/passwd
// and /etc/shadow whose lines are locked or reset.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  msw::respond::FlaggedLine flagged;
  flagged.line = size % 7;
  flagged.text = std::string(text.substr(0, text.find('\n')));
  if (size % 3 == 0) flagged.triage_sha256.push_back('x');
  flagged.continuations = size % 2 == 0;
  (void)msw::respond::comment_out_flagged(text, "x", flagged);
  const size_t colon = text.find(':');
  const std::string account(text.data(), colon == std::string_view::npos || colon > 32 ? std::min<size_t>(size, 32) : colon);
  (void)msw::respond::credential_change(account, "ops", text, text);
  (void)msw::respond::lock_in_shadow(text, account);
  (void)msw::respond::reset_in_shadow(text, account, "$6$salt$hash", 20000);
  return 0;
}
