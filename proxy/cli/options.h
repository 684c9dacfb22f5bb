// ovms-proxy's command line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

struct ProxyOptions {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 6867;
  std::string upstream_host;
  uint16_t upstream_port = 6867;
  std::string keys, filter, rules, record;
  bool json = false, stats = false, show_secrets = false;
  bool tls = false, upstream_insecure = false;
  std::string cert, key, upstream_ca;
  std::size_t bound = 256 * 1024;
};

// nullopt: exit with `exit_code` (0 after --help, 2 for a bad command line, said on stderr).
std::optional<ProxyOptions> parse_proxy_options(int argc, char** argv, int& exit_code);
