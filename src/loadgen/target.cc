#include "loadgen/target.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <charconv>
#include <cstring>

namespace forescale::loadgen {

bool IsLoopback(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, &address, sizeof in);
    return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
  }
  if (address.ss_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &address, sizeof in6);
    if (IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr) && in6.sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

Result<Target> ParseTarget(const std::string& url, const TargetOptions& options) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "--target '" + url + "': " + why);
  };
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return bad(url.rfind("https://", 0) == 0 ? "https is not supported; use http://"
                                             : "expected http://HOST[:PORT][/PATH]");
  }
  Target t;
  t.url = url;
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    t.path = std::string(rest.substr(slash));
    if (t.path[0] == '?') t.path = "/" + t.path;
  }
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");
  if (authority.empty()) return bad("no host");
  std::string_view port_text;
  if (authority.front() == '[') {  // [::1]:8080
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after ']'");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (t.host.empty()) return bad("no host");
  if (!port_text.empty() || authority.back() == ':') {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return bad("bad port '" + std::string(port_text) + "'");
    }
    t.port = static_cast<uint16_t>(port);
  }
  for (char c : t.path) {
    if (c == ' ' || c == '\r' || c == '\n') return bad("the path has a space or line break");
  }
  const bool v6 = t.host.find(':') != std::string::npos;
  t.host_header =
      (v6 ? "[" + t.host + "]" : t.host) + (t.port == 80 ? "" : ":" + std::to_string(t.port));

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(t.port);
  if (int rc = getaddrinfo(t.host.c_str(), service.c_str(), &hints, &found); rc != 0 || !found) {
    return bad("cannot resolve '" + t.host + "': " + gai_strerror(rc));
  }
  // The first address that is allowed; a name with both kinds prefers loopback.
  const addrinfo* chosen = nullptr;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    sockaddr_storage s{};
    std::memcpy(&s, a->ai_addr, a->ai_addrlen);
    if (IsLoopback(s) || options.allow_remote) {
      chosen = a;
      break;
    }
  }
  if (!chosen) {
    freeaddrinfo(found);
    return bad("'" + t.host +
               "' is not a loopback address; load goes to 127.0.0.1 or ::1 unless "
               "--allow-remote is given");
  }
  std::memcpy(&t.address, chosen->ai_addr, chosen->ai_addrlen);
  t.address_len = chosen->ai_addrlen;
  t.loopback = IsLoopback(t.address);
  freeaddrinfo(found);
  return t;
}

}  // namespace forescale::loadgen
