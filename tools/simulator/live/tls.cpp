#include "tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace ovms::sim::live {
namespace {

// Writes may be partial and resumed from a buffer that moved (Stream keeps one growing buffer); a
// peer that closes its socket without close_notify has simply closed (as the car's TLS stack does).
void configure(SSL_CTX* ctx) {
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

}  // namespace

std::string tls_error_text(const std::string& fallback) {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? fallback : text;
}

TlsContext tls_server_context(const std::string& cert_file, const std::string& key_file, std::string& error) {
  TlsContext ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    error = tls_error_text("cannot create a TLS context");
    return nullptr;
  }
  configure(ctx.get());
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1) {
    error = "cannot load the certificate '" + cert_file + "': " + tls_error_text();
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = "cannot load the private key '" + key_file + "': " + tls_error_text();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    error = "the key '" + key_file + "' does not belong to the certificate '" + cert_file + "'";
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

TlsContext tls_client_context(const std::string& ca_file, std::string& error) {
  TlsContext ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    error = tls_error_text("cannot create a TLS context");
    return nullptr;
  }
  configure(ctx.get());
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  int ok = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                           : SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr);
  if (ok != 1) {
    error = ca_file.empty() ? "cannot load the system's CA certificates: " + tls_error_text()
                            : "cannot load the CA file '" + ca_file + "': " + tls_error_text();
    return nullptr;
  }
  return ctx;
}

bool tls_expect_server(SSL* ssl, const std::string& name, std::string& error) {
  unsigned char ip[16];
  bool is_ip = inet_pton(AF_INET, name.c_str(), ip) == 1 || inet_pton(AF_INET6, name.c_str(), ip) == 1;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                 : SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 && SSL_set1_host(ssl, name.c_str()) == 1;
  if (ok != 1) error = "cannot expect the server name '" + name + "': " + tls_error_text();
  return ok == 1;
}

}  // namespace ovms::sim::live
