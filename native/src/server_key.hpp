// The gate's key for a server, as Connector/C reaches it (spec 6.1): no host
// or "localhost" is the unix socket (the port is then unused), anything else
// TCP to the lowercased host and the port (0 is the default, 3306).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

namespace connguard::detail {

inline std::string server_key(std::string host, unsigned int port) {
    if (host.empty() || host == "localhost") return "socket:";
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return "tcp:" + host + ":" + std::to_string(port != 0 ? port : 3306U);
}

}  // namespace connguard::detail
