// ByteReader: the one way format code reads attacker-made bytes.
//
// Every read is bounds-checked in the subtraction form (`n > size - pos`, with `pos <= size` as the invariant), so a
// huge length read from a file can never wrap the check. A failed read leaves the position unchanged and returns an
// Error naming what was being read, where, and how much was missing. Sub-readers share the bytes without copying and
// keep their absolute offset so diagnostics point into the original file.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/result.h"

namespace msw {

using Bytes = std::span<const std::byte>;

inline Bytes as_bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }
inline std::string_view as_chars(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Fixed-width integers at an offset of a structure whose size the caller has already checked (a packet header, a
// registry cell): these only assemble bytes. Everything else reads through ByteReader.
namespace wire {
inline uint16_t be16(Bytes b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint16_t>(b[at]) << 8 | static_cast<uint16_t>(b[at + 1]));
}
inline uint32_t be32(Bytes b, size_t at) { return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2); }
inline uint16_t le16(Bytes b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint16_t>(b[at + 1]) << 8 | static_cast<uint16_t>(b[at]));
}
inline uint32_t le32(Bytes b, size_t at) { return le16(b, at) | static_cast<uint32_t>(le16(b, at + 2)) << 16; }
inline uint64_t le64(Bytes b, size_t at) { return le32(b, at) | static_cast<uint64_t>(le32(b, at + 4)) << 32; }
}  // namespace wire

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(Bytes data, uint64_t base_offset = 0) : data_(data), base_(base_offset) {}

  size_t size() const { return data_.size(); }
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  // Offset of the current position in the outermost input (for diagnostics).
  uint64_t absolute_offset() const { return base_ + pos_; }
  uint64_t base_offset() const { return base_; }
  Bytes data() const { return data_; }
  Bytes rest() const { return data_.subspan(pos_); }

  Result<void> seek(size_t offset, std::string_view what = "seek target") {
    if (offset > data_.size()) return out_of_bounds(what, offset, 0);
    pos_ = offset;
    return {};
  }
  Result<void> skip(size_t n, std::string_view what = "skipped bytes") {
    if (n > remaining()) return out_of_bounds(what, pos_, n);
    pos_ += n;
    return {};
  }

  Result<Bytes> bytes(size_t n, std::string_view what = "bytes") {
    if (n > remaining()) return out_of_bounds(what, pos_, n);
    Bytes out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // Bytes at an absolute position within this reader, without moving.
  Result<Bytes> bytes_at(size_t offset, size_t n, std::string_view what = "bytes") const {
    if (offset > data_.size() || n > data_.size() - offset) return out_of_bounds(what, offset, n);
    return data_.subspan(offset, n);
  }

  // A reader over the next n bytes; this reader moves past them.
  Result<ByteReader> sub(size_t n, std::string_view what = "sub-range") {
    if (n > remaining()) return out_of_bounds(what, pos_, n);
    ByteReader out(data_.subspan(pos_, n), base_ + pos_);
    pos_ += n;
    return out;
  }
  // A reader over [offset, offset+n) of this reader; this reader does not move.
  Result<ByteReader> sub_at(size_t offset, size_t n, std::string_view what = "sub-range") const {
    if (offset > data_.size() || n > data_.size() - offset) return out_of_bounds(what, offset, n);
    return ByteReader(data_.subspan(offset, n), base_ + offset);
  }

  template <typename T>
  Result<T> read_le(std::string_view what = "integer") {
    return read_endian<T, std::endian::little>(what);
  }
  template <typename T>
  Result<T> read_be(std::string_view what = "integer") {
    return read_endian<T, std::endian::big>(what);
  }
  template <typename T>
  Result<T> peek_le(std::string_view what = "integer") const {
    ByteReader copy = *this;
    return copy.read_le<T>(what);
  }

  Result<uint8_t> u8(std::string_view what = "u8") { return read_le<uint8_t>(what); }
  Result<uint16_t> u16le(std::string_view what = "u16") { return read_le<uint16_t>(what); }
  Result<uint32_t> u32le(std::string_view what = "u32") { return read_le<uint32_t>(what); }
  Result<uint64_t> u64le(std::string_view what = "u64") { return read_le<uint64_t>(what); }
  Result<int16_t> i16le(std::string_view what = "i16") { return read_le<int16_t>(what); }
  Result<int32_t> i32le(std::string_view what = "i32") { return read_le<int32_t>(what); }
  Result<int64_t> i64le(std::string_view what = "i64") { return read_le<int64_t>(what); }
  Result<uint16_t> u16be(std::string_view what = "u16") { return read_be<uint16_t>(what); }
  Result<uint32_t> u32be(std::string_view what = "u32") { return read_be<uint32_t>(what); }
  Result<uint64_t> u64be(std::string_view what = "u64") { return read_be<uint64_t>(what); }

  // True and advances when the next bytes equal `magic`; otherwise false and stays.
  bool consume_if(Bytes magic) {
    if (magic.size() > remaining() || std::memcmp(data_.data() + pos_, magic.data(), magic.size()) != 0) return false;
    pos_ += magic.size();
    return true;
  }

 private:
  template <typename T, std::endian E>
  Result<T> read_endian(std::string_view what) {
    static_assert(std::is_integral_v<T>, "ByteReader reads integers; decode floats from their integer bits");
    if (sizeof(T) > remaining()) return out_of_bounds(what, pos_, sizeof(T));
    std::make_unsigned_t<T> raw = 0;
    std::memcpy(&raw, data_.data() + pos_, sizeof(T));
    if constexpr (sizeof(T) > 1 && E != std::endian::native) raw = byteswap(raw);
    pos_ += sizeof(T);
    return static_cast<T>(raw);
  }

  template <typename U>
  static U byteswap(U v) {
    U out = 0;
    for (size_t i = 0; i < sizeof(U); ++i) {
      out = static_cast<U>((out << 8) | (v & 0xFF));
      v = static_cast<U>(v >> 8);
    }
    return out;
  }

  // Cold and out of line: the message is built only on failure, so the in-bounds path of every read stays a compare
  // and a load that the compiler inlines.
  [[gnu::cold, gnu::noinline]] Error out_of_bounds(std::string_view what, size_t at, size_t wanted) const {
    size_t left = at <= data_.size() ? data_.size() - at : 0;
    return Error::make("read.out_of_bounds",
                       "reading " + std::string(what) + ": need " + std::to_string(wanted) + " bytes at offset " +
                           std::to_string(base_ + at) + ", only " + std::to_string(left) + " available",
                       base_ + at);
  }

  Bytes data_;
  size_t pos_ = 0;
  uint64_t base_ = 0;
};

}  // namespace msw
