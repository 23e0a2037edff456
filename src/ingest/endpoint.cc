#include "ingest/endpoint.h"

#include <algorithm>

namespace forescale::ingest {
namespace {

// Longer segments are payloads (scanners, injected data), not names worth a series each.
constexpr size_t kMaxSegment = 64;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

// Words joined by '-' or '_', most of them alphabetic words of three letters or more: a
// title slug ("installing-windows-8-consumer-preview"), not a token. A slug of 24 characters
// with a digit in it had been collapsed to {id} with /101.html (found by probing).
bool IsSlug(std::string_view s) {
  size_t parts = 0, words = 0;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find_first_of("-_", start), s.size());
    const std::string_view part = s.substr(start, end - start);
    ++parts;
    bool alpha = part.size() >= 3;
    for (char c : part) alpha &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    words += alpha;
    start = end + 1;
  }
  return parts >= 3 && 2 * words >= parts;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  bool digits_only = true, hex_only = true, has_digit = false, has_alpha = false, token = true;
  for (char c : s) {
    const bool digit = IsDigit(c);
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    digits_only &= digit;
    hex_only &= IsHex(c);
    has_digit |= digit;
    has_alpha |= alpha;
    token &= digit || alpha || c == '_' || c == '-';
  }
  if (digits_only) return true;
  if (IsUuid(s)) return true;
  if (hex_only && has_digit && s.size() >= 16) return true;
  // Session tokens, base64url ids: long, mixed letters and digits, no separators of words.
  return token && has_digit && has_alpha && s.size() >= 24 && !IsSlug(s);
}

}  // namespace

std::string NormaliseEndpoint(std::string_view target) {
  if (target.empty()) return "{invalid}";
  const size_t cut = target.find_first_of("?#");
  if (cut != std::string_view::npos) target = target.substr(0, cut);
  if (const size_t scheme = target.find("://"); scheme != std::string_view::npos &&
                                                scheme < 10 && target.front() != '/') {
    const size_t path_start = target.find('/', scheme + 3);
    target = path_start == std::string_view::npos ? std::string_view("/")
                                                  : target.substr(path_start);
  }
  if (target.empty() || target.front() != '/') {
    // "*" (OPTIONS *) and other non-path targets are endpoints of their own only when short.
    return target.size() <= 16 && !target.empty() ? std::string(target) : "{invalid}";
  }
  std::string out;
  out.reserve(target.size());
  size_t pos = 0;
  while (pos < target.size()) {
    // target[pos] == '/'
    out += '/';
    const size_t next = target.find('/', pos + 1);
    const size_t end = next == std::string_view::npos ? target.size() : next;
    std::string_view segment = target.substr(pos + 1, end - pos - 1);
    if (segment.size() > kMaxSegment) {
      out += "{long}";
    } else if (IsIdentifier(segment)) {
      out += "{id}";
    } else if (const size_t dot = segment.rfind('.');
               dot != std::string_view::npos && dot > 0 && IsIdentifier(segment.substr(0, dot))) {
      out += "{id}";
      out += segment.substr(dot);
    } else {
      out += segment;
    }
    pos = end;
  }
  return out;
}

}  // namespace forescale::ingest
