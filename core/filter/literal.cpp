#include "literal.h"

#include <cctype>
#include <charconv>
#include <ctime>
#include <limits>

namespace ovms::filter {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool parse_double(const std::string& text, double& out) {
  int64_t as_int = 0;
  if (text.size() > 2 && (text[1] == 'x' || text[1] == 'X' || text[1] == 'b' || text[1] == 'B') &&
      parse_integer(text, as_int)) {
    out = static_cast<double>(as_int);
    return true;
  }
  const char* b = text.data();
  const char* e = b + text.size();
  auto r = std::from_chars(b, e, out, std::chars_format::general);
  return r.ec == std::errc() && r.ptr == e;
}

// The labels of an integer field's values, for messages ("False, True, Unknown (stale)").
std::string label_list(const EnumValue* labels, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && i < 8; ++i) s += (i ? ", " : "") + std::string(labels[i].label);
  if (n > 8) s += ", ...";
  return s;
}

bool to_integer(const Token& t, const FieldName& name, Constant& out, std::string& why) {
  out.cls = ValueClass::Int;
  const bool boolean = name.type == NameType::Bool;
  if (t.kind == Tok::Char) {
    out.i = static_cast<unsigned char>(t.text[0]);
    if (boolean) out.i = out.i != 0;
    return true;
  }
  if (t.kind == Tok::Word && parse_integer(t.text, out.i)) {
    if (boolean) out.i = out.i != 0;  // any non-zero number is true
    return true;
  }
  if (boolean && (iequal(t.text, "true") || iequal(t.text, "false"))) {
    out.i = iequal(t.text, "true");
    return true;
  }
  std::size_t n = 0;
  const EnumValue* labels = name.field() ? value_labels(*name.field(), &n) : nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    if (iequal(t.text, labels[i].label)) {
      out.i = labels[i].value;
      return true;
    }
  }
  if (labels)
    why = describe(t) + " is not a value of " + name.abbrev + " (an integer, or one of: " + label_list(labels, n) + ")";
  else if (t.kind == Tok::String)
    why = name.abbrev + " is an integer: write it without quotes (" + name.abbrev + " == 1)";
  else if (boolean)
    why = describe(t) + " is not a boolean (True, False, 1 or 0)";
  else
    why = describe(t) + " is not an integer (" + name.abbrev + " is one: 42, -1, 0x1f, 0b101, 017)";
  return false;
}

// A date as Wireshark takes them: "2026-01-01 12:34:56[.frac]" ('T' or a space between, seconds and
// the time optional), in UTC with a final "Z", "UTC" or "+hh:mm"/"-hhmm" (a space before it allowed),
// else in local time.
bool parse_date(const std::string& text, double& out) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return false;
  std::size_t i = 10;
  double frac = 0;
  if (i < text.size() && (text[i] == 'T' || text[i] == ' ') && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
    int k = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5) return false;
    i += 1 + 5;
    if (i < text.size() && text[i] == ':') {
      if (std::sscanf(text.c_str() + i + 1, "%2d%n", &sec, &k) != 1 || k != 2) return false;
      i += 3;
      if (i < text.size() && text[i] == '.') {
        std::size_t j = i + 1;
        double scale = 0.1;
        while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])))
          frac += scale * (text[j++] - '0'), scale /= 10;
        if (j == i + 1) return false;
        i = j;
      }
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::string zone = text.substr(i);
  if (zone.size() > 1 && zone[0] == ' ') zone.erase(0, 1);
  long offset = 0;
  bool utc = false;
  if (zone == "Z" || zone == "UTC") {
    utc = true;
  } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    int zh = 0, zm = 0, k = 0;
    if (std::sscanf(zone.c_str() + 1, "%2d:%2d%n", &zh, &zm, &k) == 2 && k == 5) {
    } else if (std::sscanf(zone.c_str() + 1, "%2d%2d%n", &zh, &zm, &k) == 2 && k == 4) {
    } else {
      return false;
    }
    utc = true;
    offset = (zh * 3600L + zm * 60L) * (zone[0] == '+' ? 1 : -1);
  } else if (!zone.empty()) {
    return false;
  }
  std::time_t t;
  if (utc) {
    t = timegm(&tm) - offset;
  } else {
    tm.tm_isdst = -1;
    t = std::mktime(&tm);
  }
  out = static_cast<double>(t) + frac;
  return true;
}

}  // namespace

bool parse_integer(const std::string& text, int64_t& out) {
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) i = 1;
  int base = 10;
  if (text.size() > i + 1 && text[i] == '0') {
    const char p = text[i + 1];
    if (p == 'x' || p == 'X') base = 16, i += 2;
    else if (p == 'b' || p == 'B') base = 2, i += 2;
    else base = 8, i += 1;
  }
  if (i >= text.size()) return false;
  uint64_t magnitude = 0;
  const char* b = text.data() + i;
  const char* e = text.data() + text.size();
  auto r = std::from_chars(b, e, magnitude, base);
  if (r.ec != std::errc() || r.ptr != e) return false;
  const uint64_t limit = negative ? uint64_t{1} << 63 : static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (magnitude > limit) return false;
  out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

bool to_constant(const Token& t, const FieldName& name, Constant& out, std::string& why) {
  out = Constant{};
  switch (value_class(name.type)) {
    case ValueClass::None:
      why = name.abbrev + " has no value to compare: test whether it is there (" + name.abbrev + ", not " +
            name.abbrev + ")";
      return false;
    case ValueClass::Text:
      out.cls = ValueClass::Text;
      out.s = t.text;
      return true;
    case ValueClass::Int: return to_integer(t, name, out, why);
    case ValueClass::Double:
      out.cls = ValueClass::Double;
      if (name.type == NameType::Time) {
        if ((t.kind == Tok::Word && parse_double(t.text, out.d)) || parse_date(t.text, out.d)) return true;
        why = describe(t) + " is not a time: write epoch seconds (1767225600) or a date (\"2026-01-01 00:00:00Z\"; " +
              "without Z or UTC it is local time)";
        return false;
      }
      if (t.kind == Tok::Word && parse_double(t.text, out.d)) return true;
      if (t.kind == Tok::String)
        why = name.abbrev + " is a number: write it without quotes (" + name.abbrev + " < 20)";
      else
        why = describe(t) + " is not a number (" + name.abbrev + " is one: 20, -1.5, 1e3)";
      return false;
  }
  return false;
}

}  // namespace ovms::filter
