#include "formats/pcap/dcerpc.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

#include "core/text.h"
#include "formats/pcap/framing.h"

namespace msw::formats::pcap {
namespace {

using wire::le16;
using wire::le32;

constexpr uint8_t kRequest = 0, kBind = 11, kAlterContext = 14;
constexpr uint8_t kObjectUuidFlag = 0x80;
constexpr size_t kHeader = 16;

struct Interface {
  std::string_view uuid, name;
};
constexpr Interface kInterfaces[] = {
    {"367abb81-9844-35f1-ad32-98f038001003", "svcctl"},
    {"1ff70682-0a51-30e8-076d-740be8cee98b", "atsvc"},
    {"86d35949-83c9-4044-b424-db363231fd0c", "ITaskSchedulerService"},
    {"9556dc99-828c-11cf-a37e-00aa003240c7", "IWbemServices"},
    {"f309ad18-d86a-11d0-a075-00c04fb68820", "IWbemLevel1Login"},
    {"000001a0-0000-0000-c000-000000000046", "ISystemActivator"},
    {"e1af8308-5d1f-11c9-91a4-08002b14a0fa", "epmapper"},
};

struct Operation {
  std::string_view interface;
  uint16_t opnum;
  std::string_view name;
  bool runs_code;
};
// [MS-SCMR] 3.1.4, [MS-TSCH] 3.2.5, [MS-WMI] 3.1.4.3.
constexpr Operation kOperations[] = {
    {"svcctl", 2, "DeleteService", false},
    {"svcctl", 11, "ChangeServiceConfigW", true},
    {"svcctl", 12, "CreateServiceW", true},
    {"svcctl", 15, "OpenSCManagerW", false},
    {"svcctl", 16, "OpenServiceW", false},
    {"svcctl", 19, "StartServiceW", true},
    {"svcctl", 23, "ChangeServiceConfigA", true},
    {"svcctl", 24, "CreateServiceA", true},
    {"svcctl", 27, "OpenSCManagerA", false},
    {"svcctl", 28, "OpenServiceA", false},
    {"svcctl", 31, "StartServiceA", true},
    {"atsvc", 0, "NetrJobAdd", true},
    {"ITaskSchedulerService", 1, "SchRpcRegisterTask", true},
    {"ITaskSchedulerService", 12, "SchRpcRun", true},
    {"IWbemServices", 24, "ExecMethod", true},
    {"IWbemServices", 25, "ExecMethodAsync", true},
};

std::string uuid_text(Bytes b) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32(b, 0), le16(b, 4), le16(b, 6),
                static_cast<unsigned>(b[8]), static_cast<unsigned>(b[9]), static_cast<unsigned>(b[10]),
                static_cast<unsigned>(b[11]), static_cast<unsigned>(b[12]), static_cast<unsigned>(b[13]),
                static_cast<unsigned>(b[14]), static_cast<unsigned>(b[15]));
  return buf;
}

// Text a person wrote: printable ASCII, tabs, and the rest of the BMP outside the surrogates and private use.
bool printable(uint32_t c) {
  return c == '\t' || (c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c < 0xd800) || (c >= 0xf900 && c < 0xfffe);
}

// NDR [string] wchar_t* at `at` (conformant varying: max count, offset, actual count, then the characters), the
// position after it (aligned to 4); nullopt when the counts do not fit.
std::optional<std::pair<std::string, size_t>> ndr_wstring(Bytes b, size_t at) {
  if (at + 12 > b.size()) return std::nullopt;
  const uint32_t max = le32(b, at), offset = le32(b, at + 4), actual = le32(b, at + 8);
  if (offset != 0 || actual > max || actual > (b.size() - at - 12) / 2) return std::nullopt;
  size_t chars = actual;
  if (chars && le16(b, at + 12 + 2 * (chars - 1)) == 0) --chars;  // the terminator
  std::string text = utf16le_to_utf8(b.subspan(at + 12, 2 * chars)).utf8;
  if (text.size() > kMaxRpcStringBytes) text.resize(kMaxRpcStringBytes);
  size_t next = at + 12 + 2 * static_cast<size_t>(actual);
  next = (next + 3) & ~size_t{3};
  return std::make_pair(std::move(text), next);
}

// RCreateServiceW's service name, display name and binary path, read as NDR (a name of one letter is a name).
std::optional<std::vector<std::string>> create_service_strings(Bytes stub) {
  auto name = ndr_wstring(stub, 0);
  if (!name) return std::nullopt;
  size_t at = name->second;
  std::string display;
  if (at + 4 > stub.size()) return std::nullopt;
  if (le32(stub, at) != 0) {  // a unique pointer: its referent follows
    auto d = ndr_wstring(stub, at + 4);
    if (!d) return std::nullopt;
    display = d->first;
    at = d->second;
  } else {
    at += 4;
  }
  auto path = ndr_wstring(stub, at + 16);  // access, type, start type, error control
  if (!path) return std::nullopt;
  return std::vector<std::string>{name->first, display, path->first};
}

}  // namespace

std::string_view rpc_interface_name(std::string_view uuid) {
  for (const auto& i : kInterfaces)
    if (iequals_ascii(uuid, i.uuid)) return i.name;
  return {};
}

bool rpc_runs_code(const RpcCall& call) {
  for (const auto& o : kOperations)
    if (call.interface == o.interface && call.opnum == o.opnum) return o.runs_code;
  return false;
}

bool looks_like_rpc_bind(Bytes d) {
  return d.size() >= kHeader && d[0] == std::byte{5} && d[1] == std::byte{0} && d[2] == std::byte{kBind} &&
         le16(d, 8) >= kHeader + 12;  // a 16-bit fragment length never exceeds kMaxRpcPdu
}

std::vector<std::string> rpc_stub_strings(Bytes stub) {
  std::vector<std::string> out;
  auto keep = [&](std::string s) {
    if (out.size() < kMaxRpcStrings) out.push_back(std::move(s));
  };
  for (size_t i = 0; i < stub.size() && out.size() < kMaxRpcStrings;) {
    // UTF-16LE: a run of printable code units (BMP only; surrogate pairs end a run).
    size_t j = i, ascii_units = 0;
    std::string text;
    while (j + 1 < stub.size()) {
      const uint32_t u = le16(stub, j);
      if (!printable(u)) break;
      ascii_units += u < 0x80;
      if (text.size() < kMaxRpcStringBytes) {
        if (u < 0x80)
          text += static_cast<char>(u);
        else if (u < 0x800)
          text += {static_cast<char>(0xc0 | (u >> 6)), static_cast<char>(0x80 | (u & 0x3f))};
        else
          text += {static_cast<char>(0xe0 | (u >> 12)), static_cast<char>(0x80 | ((u >> 6) & 0x3f)),
                   static_cast<char>(0x80 | (u & 0x3f))};
      }
      j += 2;
    }
    // Mostly ASCII units: UTF-16 text (two ASCII letters read as one unit would be a CJK character instead).
    if ((j - i) / 2 >= 3 && ascii_units * 2 >= (j - i) / 2) {
      keep(std::move(text));
      i = j;
      continue;
    }
    // ASCII: a run of printable bytes.
    j = i;
    while (j < stub.size() && printable(static_cast<uint8_t>(stub[j])) && static_cast<uint8_t>(stub[j]) < 0x80) ++j;
    if (j - i >= 6) {
      keep(std::string(as_chars(stub.subspan(i, std::min(j - i, kMaxRpcStringBytes)))));
      i = j;
      continue;
    }
    ++i;
  }
  return out;
}

bool RpcClientStream::feed(Bytes data, uint64_t packet, int64_t time_ns) {
  if (failed_) return false;
  while (!data.empty()) {
    if (held_.empty() && data.size() >= kHeader) {
      if (data[0] != std::byte{5} || data[1] != std::byte{0}) return failed_ = true, false;
      const size_t len = le16(data, 8);
      if (len < kHeader) return failed_ = true, false;
      if (len <= data.size()) {
        pdu(data.first(len), packet, time_ns);
        data = data.subspan(len);
        continue;
      }
    }
    const size_t need = held_.size() < kHeader ? kHeader : le16(as_bytes(held_), 8);
    if (held_.size() >= kHeader && (held_[0] != 5 || held_[1] != 0 || need < kHeader)) return failed_ = true, false;
    const size_t take = std::min(need - held_.size(), data.size());
    held_.append(as_chars(data.first(take)));
    data = data.subspan(take);
    if (held_.size() == need && need >= kHeader && held_.size() >= le16(as_bytes(held_), 8)) {
      pdu(as_bytes(held_), packet, time_ns);
      held_.clear();
    }
  }
  return true;
}

void RpcClientStream::pdu(Bytes p, uint64_t packet, int64_t time_ns) {
  if (p.size() < kHeader || p[0] != std::byte{5} || p[1] != std::byte{0}) return;
  const auto type = static_cast<uint8_t>(p[2]);
  const auto flags = static_cast<uint8_t>(p[3]);
  const size_t frag = std::min<size_t>(le16(p, 8), p.size());
  if (frag < kHeader) return;
  const size_t auth = le16(p, 10);
  const Bytes body = p.subspan(kHeader, frag - kHeader);
  if (type == kBind || type == kAlterContext) {
    // max_xmit(2) max_recv(2) assoc_group(4) n_context(1) reserved(3), then per context: id(2) n_transfer(1)
    // reserved(1) abstract syntax (uuid 16, version 4) and n_transfer transfer syntaxes (20 each).
    if (body.size() < 12) return;
    const size_t n = static_cast<uint8_t>(body[8]);
    size_t at = 12;
    for (size_t k = 0; k < n && at + 24 <= body.size(); ++k) {
      const uint16_t id = le16(body, at);
      const size_t transfers = static_cast<uint8_t>(body[at + 2]);
      const std::string uuid = uuid_text(body.subspan(at + 4, 16));
      const std::string_view name = rpc_interface_name(uuid);
      std::string iface = name.empty() ? uuid : std::string(name);
      if (contexts_.size() < kMaxRpcContexts) contexts_.emplace_back(id, iface);
      if (interfaces_.size() < kMaxRpcContexts &&
          std::find(interfaces_.begin(), interfaces_.end(), iface) == interfaces_.end())
        interfaces_.push_back(std::move(iface));
      at += 24 + 20 * transfers;
    }
    return;
  }
  if (type != kRequest || body.size() < 8) return;
  ++requests_;
  // alloc_hint(4) context id(2) opnum(2) [object uuid(16)] stub [auth verifier]
  const uint16_t ctx = le16(body, 4), opnum = le16(body, 6);
  size_t stub_at = 8 + ((flags & kObjectUuidFlag) ? 16 : 0);
  size_t stub_end = body.size() >= auth + 8 && auth ? body.size() - auth - 8 : body.size();
  if (stub_at > stub_end) stub_at = stub_end;
  std::string iface;
  for (const auto& [id, name] : contexts_)
    if (id == ctx) iface = name;
  if (iface.empty()) return;
  RpcCall call;
  call.interface = iface;
  call.opnum = opnum;
  call.operation = "opnum " + std::to_string(opnum);
  for (const auto& o : kOperations)
    if (iface == o.interface && opnum == o.opnum) call.operation = std::string(o.name);
  if (!rpc_runs_code(call) || calls_.size() >= kMaxRpcCallsKept) return;
  // svcctl's calls open with a 20-byte context handle: opaque bytes, no text.
  if (iface == "svcctl") stub_at = std::min(stub_at + 20, stub_end);
  const Bytes stub = body.subspan(stub_at, stub_end - stub_at);
  std::optional<std::vector<std::string>> exact;
  if (call.operation == "CreateServiceW") exact = create_service_strings(stub);
  call.strings = exact ? std::move(*exact) : rpc_stub_strings(stub);
  call.packet = packet;
  call.time_ns = time_ns;
  calls_.push_back(std::move(call));
}

}  // namespace msw::formats::pcap
