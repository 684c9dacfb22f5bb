// What every fuzz target shares: the sample keys, a sink that writes every record as JSON and checks
// it with the strict validator, and a reader that cuts the fuzzer's bytes into the target's events.
// A failed check aborts, which is what libFuzzer (and the corpus replay) report as a crash.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "ovms/json.h"
#include "ovms/keys.h"
#include "ovms/record.h"
#include "strict_json.h"

namespace ovms::fuzz {

[[noreturn]] inline void fail(const std::string& what, std::string_view json = {}) {
  std::fprintf(stderr, "fuzz check failed: %s\n%.*s\n", what.c_str(), static_cast<int>(json.size() > 2000 ? 2000 : json.size()),
               json.data());
  std::abort();
}

inline void check_json(std::string_view json) {
  std::string err = test::StrictJson::check(json);
  if (!err.empty()) fail("JSON is not strict: " + err, json);
}

// samples/keys.yaml, loaded once: the keys of every sample's vehicles, so seeds from the samples decrypt.
inline const KeyStore& sample_keys() {
  static const KeyStore keys = [] {
    std::string error;
    const char* dir = std::getenv("OVMS_SOURCE_DIR");
    std::string path = std::string(dir ? dir : OVMS_SOURCE_DIR) + "/samples/keys.yaml";
    auto k = KeyStore::load_file(path, error);
    if (!k) fail("cannot load " + path + ": " + error);
    return std::move(*k);
  }();
  return keys;
}

// Every record and diagnostic as JSON, strictly valid.
struct JsonCheckSink : RecordSink {
  const ConnectionInfo* conn = nullptr;
  uint64_t records = 0;
  void on_record(const RecordPtr& r) override {
    std::string out;
    append_record_json(out, *r, conn);
    check_json(out);
    ++records;
  }
  void on_orphan_diagnostic(uint32_t, const Diagnostic& d) override {
    std::string out;
    append_diagnostic_json(out, d);
    check_json(out);
  }
};

// The fuzzer's input as a sequence of small reads; past the end everything reads as zero / empty.
class Input {
 public:
  Input(const uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  bool done() const { return i_ >= n_; }
  uint8_t byte() { return i_ < n_ ? p_[i_++] : 0; }
  uint16_t u16() { uint16_t hi = byte(); return static_cast<uint16_t>(hi << 8 | byte()); }
  std::string_view bytes(std::size_t len) {
    len = std::min(len, n_ - std::min(i_, n_));
    std::string_view v(reinterpret_cast<const char*>(p_ + i_), len);
    i_ += len;
    return v;
  }
  std::string_view rest() { return bytes(n_); }

 private:
  const uint8_t* p_;
  std::size_t n_, i_ = 0;
};

}  // namespace ovms::fuzz
