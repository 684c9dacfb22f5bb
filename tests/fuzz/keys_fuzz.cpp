// The keys YAML loader: any text is a keys file, or an error naming what and where; never a crash,
// and aliases cannot blow up (yaml-cpp shares aliased nodes; the loader reads each vehicle once).
#include "fuzz_support.h"

using namespace ovms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string error;
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto keys = KeyStore::parse(yaml, "fuzz.yaml", error);
  if (!keys && error.empty()) fuzz::fail("a keys file refused without saying why");
  std::string out;
  append_json_string(out, error);
  fuzz::check_json(out);
  return 0;
}
