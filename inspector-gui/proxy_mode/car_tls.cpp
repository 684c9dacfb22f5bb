#include "proxy_mode/car_tls.h"

#include <QFile>
#include <QHostAddress>
#include <QNetworkInterface>
#include <QStringList>

#include "local_ca.h"

namespace inspector {

using ovms::proxy::IssuedCertificate;
using ovms::proxy::LocalCa;

QString ca_folder(const QString& dir) {
  return dir.isEmpty() ? QString::fromStdString(LocalCa::default_dir()) : dir;
}

std::optional<ovms::proxy::ServerTls> car_tls_from_local_ca(const QString& caDir, const QString& listenHost,
                                                           QString& error) {
  std::string e;
  std::optional<LocalCa> ca = LocalCa::open(ca_folder(caDir).toStdString(), e);
  if (!ca) {
    error = QObject::tr("local CA: %1").arg(QString::fromStdString(e));
    return std::nullopt;
  }
  QStringList names;
  const QHostAddress listen(listenHost);
  if (listen == QHostAddress::AnyIPv4 || listen == QHostAddress::Any || listen == QHostAddress::AnyIPv6) {
    for (const QHostAddress& a : QNetworkInterface::allAddresses())  // a car on the network uses one of these
      if (a.protocol() == QAbstractSocket::IPv4Protocol) names << a.toString();
  } else {
    names << listenHost;
  }
  names << QStringLiteral("127.0.0.1") << QStringLiteral("localhost");
  names.removeDuplicates();
  std::vector<std::string> list;
  for (const QString& n : names) list.push_back(n.toStdString());
  std::optional<IssuedCertificate> issued = ca->issue(list, e);
  if (!issued) {
    error = QObject::tr("local CA: %1").arg(QString::fromStdString(e));
    return std::nullopt;
  }
  ovms::proxy::ServerTls t;
  t.certificate = QSslCertificate(QByteArray::fromStdString(issued->cert_pem), QSsl::Pem);
  t.chain = {QSslCertificate(QByteArray::fromStdString(issued->ca_pem), QSsl::Pem)};
  t.key = QSslKey(QByteArray::fromStdString(issued->key_pem), QSsl::Rsa, QSsl::Pem);
  return t;
}

bool export_ca_certificate(const QString& caDir, const QString& to, QString& steps, QString& error) {
  std::string e;
  std::optional<LocalCa> ca = LocalCa::open(ca_folder(caDir).toStdString(), e);
  if (!ca) {
    error = QObject::tr("local CA: %1").arg(QString::fromStdString(e));
    return false;
  }
  QFile in(QString::fromStdString(ca->cert_path()));
  if (!in.open(QIODevice::ReadOnly)) {
    error = QObject::tr("%1: %2").arg(in.fileName(), in.errorString());
    return false;
  }
  const QByteArray pem = in.readAll();
  QFile out(to);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(pem) != pem.size() || !out.flush()) {
    error = QObject::tr("%1: %2").arg(to, out.errorString());
    return false;
  }
  steps = QObject::tr("Saved the CA certificate to %1.\n\n").arg(to) + QString::fromStdString(ca->trust_steps());
  return true;
}

}  // namespace inspector
