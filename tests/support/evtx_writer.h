// Writes valid EVTX files for tests: file header, chunks, records whose Binary XML uses templates (defined inline
// by the first record of a chunk that needs them, referenced by offset afterwards) with typed substitution values,
// and correct CRC32s everywhere. Lets tests build the scenarios no public sample has (a 4625 burst, then a 4624).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace msw::test {

struct EvtxEvent {
  uint16_t event_id = 0;
  std::string provider = "Microsoft-Windows-Security-Auditing";
  std::string channel = "Security";
  std::string computer = "WIN-SERVER";
  uint64_t filetime = 132223104000000000ull;  // 2020-01-01T00:00:00Z
  std::string user_sid;                       // empty: no Security UserID attribute value (optional substitution)
  std::vector<std::pair<std::string, std::string>> data;  // EventData <Data Name="k">v</Data>; "" as k: <Data>v</Data>
  // When set, `data` goes into <UserData><user_data><k>v</k>...</user_data></UserData> instead of EventData (the
  // shape of Eventlog 104/1102 and WMI-Activity 5861).
  std::string user_data;
};

struct EvtxFile {
  std::string bytes;
  size_t chunks = 0;
  std::vector<size_t> record_offsets;  // file offset of every record, in order
};

// Record ids start at `first_record_id`. Each chunk is filled until the next record would not fit.
EvtxFile write_evtx(const std::vector<EvtxEvent>& events, uint64_t first_record_id = 1);

// One chunk of records whose Binary XML the caller writes: binxml(at) returns the bytes of a record's BinXml that
// starts at chunk offset `at` (names and template definitions are referred to by chunk offset). For the structures
// the event writer never makes: mixed content, hostile templates.
EvtxFile write_evtx_raw(const std::vector<std::function<std::string(size_t)>>& records);

// Recomputes the CRC32s of the file header and of every chunk (header and records), after a test edited bytes.
void fix_evtx_checksums(std::string& file);

}  // namespace msw::test
