// TLS toward the car with the proxy library's local CA (proxy/src/local_ca.*, the same CA as
// `ovms-proxy --tls` and `--print-ca`): a server certificate issued at every start for the names the
// car may connect by, and the CA's certificate (never its key) exported for the module, with the
// library's own trust steps.
#pragma once

#include <QString>
#include <optional>

#include "server.h"

namespace inspector {

// The CA folder to use: `dir`, or the library's default when empty.
QString ca_folder(const QString& dir);

// A certificate from the CA in `caDir` (created on first use) for `listenHost` (every IPv4 address of
// the machine when it listens on all), 127.0.0.1 and localhost. nullopt with `error` naming the file.
std::optional<ovms::proxy::ServerTls> car_tls_from_local_ca(const QString& caDir, const QString& listenHost,
                                                           QString& error);

// Writes the CA's certificate (PEM, no key) to `to`; `steps` gets what to do on the module.
bool export_ca_certificate(const QString& caDir, const QString& to, QString& steps, QString& error);

}  // namespace inspector
