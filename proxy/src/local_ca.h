// The proxy's own certificate authority for `--tls` without --cert/--key: created once in a config
// folder (ca.pem, and ca.key mode 0600 in a folder of mode 0700), then a server certificate issued by
// it at every start for the names the car may connect to. The module trusts the CA once (its
// /store/trustedca folder and `tls trust reload`) and accepts the proxy from then on. OpenSSL 3:
// Qt's QSslCertificate cannot sign. No Qt here.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ovms::proxy {

struct IssuedCertificate {
  std::string cert_pem, key_pem;  // the server's certificate and its private key (PEM)
  std::string ca_pem;             // the CA's certificate, to send as the chain
};

class LocalCa {
 public:
  // The default folder: $XDG_CONFIG_HOME/ovms-inspector/proxy-ca, else ~/.config/ovms-inspector/proxy-ca.
  static std::string default_dir();

  // Opens the CA in `dir`, creating the folder (0700), the key (0600) and the certificate when absent.
  // `created` says whether it was made now. nullopt with `error` naming the file and the reason.
  static std::optional<LocalCa> open(const std::string& dir, std::string& error, bool* created = nullptr);

  const std::string& dir() const { return dir_; }
  std::string cert_path() const { return dir_ + "/ca.pem"; }
  std::string key_path() const { return dir_ + "/ca.key"; }

  // A fresh server certificate for `names` (IP addresses become IP SANs, others DNS SANs; the first
  // is the subject's CN), valid for a year, with a new key.
  std::optional<IssuedCertificate> issue(const std::vector<std::string>& names, std::string& error) const;

  // What to do on the module so that it trusts this CA (several lines, for the terminal).
  std::string trust_steps() const;

 private:
  std::string dir_, ca_pem_, key_pem_;
};

}  // namespace ovms::proxy
