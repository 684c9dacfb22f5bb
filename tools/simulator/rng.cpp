#include "rng.h"

namespace ovms::sim {
namespace {

uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

Rng::Rng(uint64_t seed) : seed_(seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) s = splitmix(x);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint32_t Rng::below(uint32_t n) {
  if (n == 0) return 0;
  return static_cast<uint32_t>(((next() >> 32) * n) >> 32);
}

int Rng::between(int lo, int hi) {
  if (hi <= lo) return lo;
  return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1)));
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

bool Rng::chance(double p) { return uniform() < p; }

Bytes Rng::bytes(std::size_t n) {
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(next() >> 56);
  return out;
}

std::string Rng::hex(std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = digits[below(16)];
  return out;
}

Rng Rng::fork(std::string_view tag, uint64_t index) const {
  // FNV-1a over the tag, mixed with the parent seed and the index.
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : tag) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  uint64_t x = seed_ ^ h ^ (index * 0x9e3779b97f4a7c15ull);
  return Rng(splitmix(x));
}

std::string Rng::token(std::size_t len, bool android) {
  std::string out(len, 'A');
  for (char& c : out) c = kBase64Alphabet[below(android ? 63 : 64)];
  return out;
}

}  // namespace ovms::sim
