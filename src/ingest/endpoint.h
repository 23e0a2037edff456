// Endpoint normalisation: many request URIs, one endpoint.
//
// The query string and fragment are dropped, an absolute URI (proxy logs) loses its scheme and
// host, and every path segment that is an identifier rather than a name collapses to `{id}`:
// numbers ("/users/42"), UUIDs, hex hashes of 16+ digits, long random tokens, and numbered
// files ("/img/1234.jpg" -> "/img/{id}.jpg"). Names with a number inside ("sts-68") stay:
// they are endpoints of their own. A segment over 64 bytes becomes `{long}`. A request line that had no URI becomes "{invalid}".
#pragma once

#include <string>
#include <string_view>

namespace forescale::ingest {

std::string NormaliseEndpoint(std::string_view target);

}  // namespace forescale::ingest
