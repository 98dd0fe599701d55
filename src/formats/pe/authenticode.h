// The Authenticode signature in a PE's certificate table: who signed it (the signer certificate's subject and issuer,
// serial, validity) and whether the file still hashes to the digest the signature carries. Not a trust decision:
// the chain is not verified against any root store, so a self-signed or stolen certificate reads as what it is.
#pragma once

#include <string>

#include "core/byte_reader.h"
#include "formats/pe/pe.h"

namespace msw::formats::pe {

struct Signature {
  bool present = false;        // a certificate table exists
  bool parsed = false;         // it held a PKCS#7 SignedData we could read
  std::string signer_subject;  // RFC 2253 ("CN=...,O=...")
  std::string signer_issuer;
  std::string serial;  // hex
  std::string not_before, not_after;
  std::string digest_algorithm;  // "sha256", "sha1", ...
  std::string embedded_digest;   // hex, from the signed content (SpcIndirectDataContent)
  std::string file_digest;       // hex, of the file as Authenticode hashes it
  bool digest_matches = false;   // the file was not changed after signing
  size_t certificates = 0;
  std::string note;  // why something could not be read
};

Signature read_signature(const PeFile& pe, Bytes data);

}  // namespace msw::formats::pe
