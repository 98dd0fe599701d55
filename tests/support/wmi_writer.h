// Writes WMI repository object stores (OBJECTS.DATA) for tests, in the page and record layout of libyal's notes:
// 8 KiB pages opening with 16-byte object descriptors (id, offset, size, CRC-32) and a zero terminator; instance
// records with the UTF-16 SHA-256 (or MD5) digest of the upper-case class name, two FILETIMEs and an instance block
// (name offset, state bits, one 4-byte slot per value, an empty qualifier block, the heap size with its top bit set
// and the heap of CIM strings, a CreatorSID-like byte array first). Instances can be left out of the descriptors to
// stand for records the index no longer reaches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace msw::test {

struct WmiInstanceSpec {
  std::string class_name;             // "__EventFilter", "CommandLineEventConsumer", ...
  std::vector<std::string> strings;   // heap strings in order (non-ASCII ones are written as UTF-16)
  bool listed = true;                 // false: in a page's free space, not in its descriptors
};

std::string write_objects_data(const std::vector<WmiInstanceSpec>& instances, bool sha256 = true);

}  // namespace msw::test
