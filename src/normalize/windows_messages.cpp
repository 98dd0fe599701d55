#include "normalize/windows_messages.h"

#include <algorithm>
#include <array>
#include <utility>

namespace msw::normalize {
namespace {

// Sorted by code.
constexpr std::pair<uint32_t, std::string_view> kCodes[] = {
    {1537, "DELETE"},
    {1538, "READ_CONTROL"},
    {1539, "WRITE_DAC"},
    {1540, "WRITE_OWNER"},
    {1541, "SYNCHRONIZE"},
    {1542, "ACCESS_SYS_SEC"},
    {1831, "Anonymous"},
    {1832, "Identification"},
    {1833, "Impersonation"},
    {1840, "Delegation"},
    {1842, "Yes"},
    {1843, "No"},
    {2304, "An Error occured during Logon."},
    {2305, "The specified user account has expired."},
    {2306, "The NetLogon component is not active."},
    {2307, "Account locked out."},
    {2308, "The user has not been granted the requested logon type at this machine."},
    {2309, "The specified account's password has expired."},
    {2310, "Account currently disabled."},
    {2311, "Account logon time restriction violation."},
    {2312, "User not allowed to logon at this computer."},
    {2313, "Unknown user name or bad password."},
    {4416, "ReadData (or ListDirectory)"},
    {4417, "WriteData (or AddFile)"},
    {4418, "AppendData (or AddSubdirectory or CreatePipeInstance)"},
    {4419, "ReadEA"},
    {4420, "WriteEA"},
    {4421, "Execute/Traverse"},
    {4422, "DeleteChild"},
    {4423, "ReadAttributes"},
    {4424, "WriteAttributes"},
    {4432, "Query key value"},
    {4433, "Set key value"},
    {4434, "Create sub-key"},
    {4435, "Enumerate sub-keys"},
    {4436, "Notify about changes to keys"},
    {4437, "Create Link"},
    {8448, "Success removed"},
    {8449, "Success added"},
    {8450, "Failure removed"},
    {8451, "Failure added"},
    {14592, "Inbound"},
    {14593, "Outbound"},
    {14610, "Receive/Accept"},
    {14611, "Connect"},
};
static_assert(std::is_sorted(std::begin(kCodes), std::end(kCodes),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

}  // namespace

std::optional<std::string_view> message_code_text(uint32_t code) {
  const auto it = std::lower_bound(std::begin(kCodes), std::end(kCodes), code,
                                   [](const auto& e, uint32_t c) { return e.first < c; });
  if (it == std::end(kCodes) || it->first != code) return std::nullopt;
  return it->second;
}

bool render_message_codes(std::string_view value, std::string& out) {
  bool replaced = false;
  std::string result;
  size_t copied = 0;
  for (size_t at = value.find("%%"); at != std::string_view::npos; at = value.find("%%", at + 2)) {
    size_t end = at + 2;
    uint32_t code = 0;
    while (end < value.size() && end - at < 8 && value[end] >= '0' && value[end] <= '9')
      code = code * 10 + static_cast<uint32_t>(value[end++] - '0');
    if (end == at + 2) continue;
    const auto text = message_code_text(code);
    if (!text) continue;
    result.append(value.substr(copied, at - copied));
    result.append(*text);
    copied = end;
    replaced = true;
  }
  if (!replaced) return false;
  result.append(value.substr(copied));
  out = std::move(result);
  return true;
}

}  // namespace msw::normalize
