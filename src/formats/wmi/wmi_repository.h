// The WMI repository's object store (Windows\System32\wbem\Repository\OBJECTS.DATA) read for permanent event
// subscriptions: __EventFilter (name, WQL query, namespace), CommandLineEventConsumer (command line, executable),
// ActiveScriptEventConsumer (engine, script text or file) and __FilterToConsumerBinding (which filter fires which
// consumer) — the fileless persistence of MyKings ("fuckyoumm"), WannaMine and Lemon Duck. From libyal's public
// notes on the format: 8 KiB pages that open with 16-byte object descriptors (id, offset, size, CRC-32); an instance
// record opens with the UTF-16 hex digest of its upper-case class name (SHA-256 since Vista, MD5 on XP), two
// FILETIMEs and the instance block, whose string values sit in a heap at its end (a flag byte, the text, a NUL).
//
// The reader does not walk the index: it looks for the class digests of these four classes anywhere in the file,
// so instances on pages the index no longer reaches, or left in free space after deletion, are found too; those not
// listed by a page's descriptors are marked as recovered. Values are told apart by what they are (a WQL query, a
// reference "__EventFilter.Name=…", a script engine's name), since the class definitions that give each value its
// slot are not read — see DESIGN notes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"

namespace msw::formats::wmi {

inline constexpr size_t kPageBytes = 8192;
inline constexpr size_t kMaxInstanceBytes = size_t{1} << 20;  // a record larger than this is cut there
inline constexpr size_t kMaxInstances = 4096;                 // per class
inline constexpr size_t kMaxStringsPerInstance = 64;

enum class ClassKind { EventFilter, CommandLineConsumer, ActiveScriptConsumer, Binding };
std::string_view class_name(ClassKind k);

struct Instance {
  ClassKind kind = ClassKind::EventFilter;
  uint64_t offset = 0;      // of the record in OBJECTS.DATA
  bool recovered = false;   // not listed by any page's object descriptors
  uint64_t written = 0;     // the record's first FILETIME
  // Filters: name, query, query_language, event_namespace. Consumers: name, command (CommandLineTemplate or the
  // script text), executable (ExecutablePath or ScriptFileName), script_engine. Bindings: filter, consumer
  // (the consumer's name) and consumer_class.
  std::string name, query, query_language, event_namespace;
  std::string command, executable, script_engine;
  std::string filter, consumer, consumer_class;
};

struct Repository {
  std::vector<Instance> instances;  // in file order; an instance seen twice with the same values is kept once
  size_t pages = 0;
  size_t descriptors = 0;           // object descriptors read from page headers
  bool vista_or_later = true;       // SHA-256 digests (false: MD5, Windows XP/2003)
};

// Errors: wmi.not_objects_data (no page holds a valid descriptor table and no instance of the four classes is
// found). Damaged pages and cut records are diagnostics.
Result<Repository> read_subscriptions(Bytes objects_data, std::string_view evidence, Diagnostics& diags);

// The UTF-16LE hex digest an instance record of `class_name` opens with (sha256: Vista and later; else MD5).
std::string class_digest_utf16(std::string_view class_name, bool sha256);

}  // namespace msw::formats::wmi
