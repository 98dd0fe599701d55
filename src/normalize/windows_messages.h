// Windows writes some EventData values as references into a message table — `%%4417` in a 5145's AccessList,
// `%%1842` in a 4624's ElevatedToken — and renders them as text when it shows the event ("WriteData (or AddFile)",
// "Yes"). Public rules are written against either form, so the Sigma engine tries both. The table holds the
// codes of msobjs.dll and adtschema the Security rules use: access rights (files, registry, generic), logon
// failure reasons, impersonation levels, yes/no, the filtering platform's directions and layers, audit policy
// changes. Unknown codes stay as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace msw::normalize {

std::optional<std::string_view> message_code_text(uint32_t code);

// `value` with every known `%%nnnn` replaced by its text; true when anything was replaced (out is then set).
bool render_message_codes(std::string_view value, std::string& out);

}  // namespace msw::normalize
