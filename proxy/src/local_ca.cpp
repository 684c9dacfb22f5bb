#include "local_ca.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace ovms::proxy {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  if (!e) return "OpenSSL failed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string key_pem(EVP_PKEY* k) {
  Bio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(b.get());
}

std::string cert_pem(X509* c) {
  Bio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), c);
  return bio_text(b.get());
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return true;
}

// Written whole to a temporary file of `mode`, then renamed: never a half-written key.
bool write_file(const std::string& path, const std::string& text, mode_t mode, std::string& error) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0 || ::fchmod(fd, mode) != 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool make_dirs(const std::string& dir, std::string& error) {
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    const std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      error = part + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

Key rsa_key() { return Key(EVP_RSA_gen(2048)); }

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// An unsigned certificate for `key` named `cn`, issued by `issuer` (or by itself), valid `days`.
Cert new_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, long days) {
  Cert c(X509_new());
  X509_set_version(c.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);  // a module whose clock is a little behind
  X509_gmtime_adj(X509_getm_notAfter(c.get()), days * 86400L);
  X509_set_pubkey(c.get(), key);
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("OVMS Inspector"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c.get(), issuer ? X509_get_subject_name(issuer) : name);
  return c;
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::string LocalCa::default_dir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/ovms-inspector/proxy-ca";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.config/ovms-inspector/proxy-ca";
}

std::optional<LocalCa> LocalCa::open(const std::string& dir, std::string& error, bool* created) {
  LocalCa ca;
  ca.dir_ = dir;
  if (created) *created = false;
  if (read_file(ca.key_path(), ca.key_pem_) && read_file(ca.cert_path(), ca.ca_pem_)) {
    struct stat st{};
    if (::stat(ca.key_path().c_str(), &st) == 0 && (st.st_mode & 077)) {
      char m[8];
      std::snprintf(m, sizeof m, "%03o", static_cast<unsigned>(st.st_mode & 0777));
      error = ca.key_path() + ": mode " + m + " lets others read the CA's key; chmod 600 it";
      return std::nullopt;
    }
    return ca;
  }
  if (!make_dirs(dir, error)) return std::nullopt;
  Key key = rsa_key();
  if (!key) {
    error = "creating the CA's key: " + openssl_error();
    return std::nullopt;
  }
  Cert cert = new_cert(key.get(), "OVMS Inspector proxy CA", nullptr, 3650);
  if (!add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
      !X509_sign(cert.get(), key.get(), EVP_sha256())) {
    error = "creating the CA's certificate: " + openssl_error();
    return std::nullopt;
  }
  ca.key_pem_ = key_pem(key.get());
  ca.ca_pem_ = cert_pem(cert.get());
  if (!write_file(ca.key_path(), ca.key_pem_, 0600, error) || !write_file(ca.cert_path(), ca.ca_pem_, 0644, error))
    return std::nullopt;
  if (created) *created = true;
  return ca;
}

std::optional<IssuedCertificate> LocalCa::issue(const std::vector<std::string>& names, std::string& error) const {
  Bio kb(BIO_new_mem_buf(key_pem_.data(), static_cast<int>(key_pem_.size())));
  Bio cb(BIO_new_mem_buf(ca_pem_.data(), static_cast<int>(ca_pem_.size())));
  Key ca_key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  Cert ca_cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  if (!ca_key || !ca_cert) {
    error = dir_ + ": the CA's key or certificate cannot be read: " + openssl_error();
    return std::nullopt;
  }
  if (names.empty()) {
    error = "no name to issue a certificate for";
    return std::nullopt;
  }
  Key key = rsa_key();
  Cert cert = new_cert(key.get(), names.front(), ca_cert.get(), 365);
  std::string san;
  for (const std::string& n : names) san += (san.empty() ? "" : ",") + std::string(is_ip(n) ? "IP:" : "DNS:") + n;
  if (!key || !add_ext(cert.get(), ca_cert.get(), NID_subject_alt_name, san.c_str()) ||
      !add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always") ||
      !X509_sign(cert.get(), ca_key.get(), EVP_sha256())) {
    error = "issuing the proxy's certificate: " + openssl_error();
    return std::nullopt;
  }
  return IssuedCertificate{cert_pem(cert.get()), key_pem(key.get()), ca_pem_};
}

std::string LocalCa::trust_steps() const {
  return "The proxy's CA certificate: " + cert_path() +
         "\n"
         "To make the module trust it (once):\n"
         "  1. copy it to the module as /store/trustedca/ovms-proxy.pem (web UI: Tools > Editor, paste the\n"
         "     PEM text and save; or `vfs append` it line by line from the shell)\n"
         "  2. on the module's shell: tls trust reload   (then `tls trust list` shows it)\n"
         "  3. point the module's server at the proxy (config set server.v2 server ADDR, TLS on: server.v2 tls yes)\n"
         "Remove the file and reload to stop trusting it.\n";
}

}  // namespace ovms::proxy
