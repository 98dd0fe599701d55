#include "formats/pe/authenticode.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "core/hash.h"

namespace msw::formats::pe {
namespace {

std::string name_text(const X509_NAME* n) {
  if (!n) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), n, 0, XN_FLAG_RFC2253);
  char* p = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(std::max(0L, len))).substr(0, 1024);
}

std::string time_text(const ASN1_TIME* t) {
  if (!t) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASN1_TIME_print(bio.get(), t);
  char* p = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(std::max(0L, len)));
}

// Offsets Authenticode leaves out of the hash: the optional header's CheckSum and the certificate-table directory.
struct Excluded {
  size_t checksum = 0, security_dir = 0;
};

std::optional<Excluded> excluded_fields(const PeFile& pe, Bytes data) {
  const size_t coff = wire::le32(data, 0x3C) + 4;
  const size_t opt = coff + 20;
  const size_t security = opt + (pe.is_64 ? 112 : 96) + 4 * 8;
  if (security + 8 > data.size()) return std::nullopt;
  return Excluded{opt + 64, security};
}

}  // namespace

Signature read_signature(const PeFile& pe, Bytes data) {
  Signature s;
  if (!pe.certificate_size) return s;
  s.present = true;
  const uint64_t end = static_cast<uint64_t>(pe.certificate_offset) + pe.certificate_size;
  if (end > data.size() || pe.certificate_size < 8) {
    s.note = "the certificate table lies outside the file";
    return s;
  }
  // WIN_CERTIFICATE: dwLength, wRevision, wCertificateType (2: PKCS#7 SignedData), then the DER.
  const uint32_t length = wire::le32(data, pe.certificate_offset);
  const uint16_t type = wire::le16(data, pe.certificate_offset + 6);
  if (type != 2 || length < 8 || length > pe.certificate_size) {
    s.note = "the certificate table holds no PKCS#7 SignedData (type " + std::to_string(type) + ")";
    return s;
  }
  const auto* der = reinterpret_cast<const unsigned char*>(data.data() + pe.certificate_offset + 8);
  std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(d2i_PKCS7(nullptr, &der, static_cast<long>(length - 8)), PKCS7_free);
  if (!p7 || !PKCS7_type_is_signed(p7.get()) || !p7->d.sign) {
    s.note = "the signature is not a readable PKCS#7 SignedData";
    return s;
  }
  s.parsed = true;
  STACK_OF(X509)* certs = p7->d.sign->cert;
  s.certificates = certs ? static_cast<size_t>(sk_X509_num(certs)) : 0;
  STACK_OF(PKCS7_SIGNER_INFO)* signers = PKCS7_get_signer_info(p7.get());
  if (signers && sk_PKCS7_SIGNER_INFO_num(signers) > 0) {
    PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(signers, 0);
    if (si->digest_alg) s.digest_algorithm = OBJ_nid2sn(OBJ_obj2nid(si->digest_alg->algorithm));
    if (si->issuer_and_serial && certs) {
      X509* signer =
          X509_find_by_issuer_and_serial(certs, si->issuer_and_serial->issuer, si->issuer_and_serial->serial);
      if (signer) {
        s.signer_subject = name_text(X509_get_subject_name(signer));
        s.signer_issuer = name_text(X509_get_issuer_name(signer));
        s.not_before = time_text(X509_get0_notBefore(signer));
        s.not_after = time_text(X509_get0_notAfter(signer));
        if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(signer), nullptr)) {
          char* hex = BN_bn2hex(bn);
          s.serial = hex ? hex : "";
          OPENSSL_free(hex);
          BN_free(bn);
        }
      }
    }
  }
  // The signed content (SpcIndirectDataContent) ends with its DigestInfo, whose last element is the digest.
  std::string content;
  PKCS7* inner = p7->d.sign->contents;
  if (inner && inner->d.ptr) {
    if (PKCS7_type_is_data(inner) && inner->d.data) {
      content.assign(reinterpret_cast<const char*>(inner->d.data->data), static_cast<size_t>(inner->d.data->length));
    } else if (inner->d.other && inner->d.other->type == V_ASN1_SEQUENCE) {
      const ASN1_STRING* seq = inner->d.other->value.sequence;
      content.assign(reinterpret_cast<const char*>(seq->data), static_cast<size_t>(seq->length));
    }
  }
  const EVP_MD* md = s.digest_algorithm.empty() ? nullptr : EVP_get_digestbyname(s.digest_algorithm.c_str());
  const size_t digest_len = md ? static_cast<size_t>(EVP_MD_get_size(md)) : 0;
  if (digest_len && content.size() >= digest_len + 2 &&
      static_cast<unsigned char>(content[content.size() - digest_len - 2]) == 0x04 &&
      static_cast<unsigned char>(content[content.size() - digest_len - 1]) == digest_len)
    s.embedded_digest = to_hex(as_bytes(std::string_view(content).substr(content.size() - digest_len)));
  // The file as Authenticode hashes it: everything before the certificate table but the CheckSum and the
  // certificate-table directory entry.
  auto ex = excluded_fields(pe, data);
  if (md && ex && pe.certificate_offset <= data.size() && pe.certificate_offset >= ex->security_dir + 8) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), md, nullptr);
    const auto* b = reinterpret_cast<const unsigned char*>(data.data());
    EVP_DigestUpdate(ctx.get(), b, ex->checksum);
    EVP_DigestUpdate(ctx.get(), b + ex->checksum + 4, ex->security_dir - ex->checksum - 4);
    EVP_DigestUpdate(ctx.get(), b + ex->security_dir + 8, pe.certificate_offset - ex->security_dir - 8);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &n);
    s.file_digest = to_hex(Bytes(reinterpret_cast<const std::byte*>(out), n));
    s.digest_matches = !s.embedded_digest.empty() && s.embedded_digest == s.file_digest;
  }
  if (s.embedded_digest.empty() && s.note.empty()) s.note = "no digest found in the signed content";
  return s;
}

}  // namespace msw::formats::pe
