// TLS for the live endpoints (OpenSSL), as on port 6870 (PROTOCOL.md §1.1): the server's context from
// a PEM certificate and key; a client's, which verifies the server's certificate against a CA file
// (or the system's trust store, like the module's) and the name or address it connected to.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace ovms::sim::live {

struct TlsContextFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using TlsContext = std::unique_ptr<SSL_CTX, TlsContextFree>;

// Null with `error` set when the files cannot be used ("cannot load certificate 'x.pem': ...").
TlsContext tls_server_context(const std::string& cert_file, const std::string& key_file, std::string& error);
TlsContext tls_client_context(const std::string& ca_file, std::string& error);  // empty: the system's CAs
// A client connection expects this server: SNI for a name, and the name or IP address to verify.
bool tls_expect_server(SSL* ssl, const std::string& name, std::string& error);
// OpenSSL's queued errors as one line (the queue is emptied), or `fallback` when it is empty.
std::string tls_error_text(const std::string& fallback = "TLS error");

}  // namespace ovms::sim::live
