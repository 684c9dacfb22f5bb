// A small seeded PRNG (xoshiro256**, seeded through splitmix64), so every capture is a pure function
// of --seed. Not for cryptography: it only has to look like the real parties' randomness.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ovms/crypto.h"

namespace ovms::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1);

  uint64_t next();
  uint32_t below(uint32_t n);             // uniform in [0, n)
  int between(int lo, int hi);            // uniform in [lo, hi]
  double uniform();                       // [0, 1)
  double uniform(double lo, double hi);   // [lo, hi)
  bool chance(double p);
  Bytes bytes(std::size_t n);
  std::string hex(std::size_t n);         // n lower-case hex digits

  // An independent stream for one entity ("car", 3): the same tag always gives the same stream.
  Rng fork(std::string_view tag, uint64_t index = 0) const;

  // 22 characters from the base64 alphabet, as the car, iOS and the server pick their tokens.
  // Android's off-by-one never picks the last character, '/'.
  std::string token(std::size_t len = 22, bool android = false);

 private:
  uint64_t s_[4];
  uint64_t seed_;
};

}  // namespace ovms::sim
