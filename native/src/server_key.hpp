// The gate's key for a server, as Connector/C reaches it (spec 6.1), which is
// also the `server` of the gate's events (spec 8.1): no host or "localhost" is
// the unix socket (the port is then unused): $MYSQL_UNIX_PORT, else the
// library's default path, as Connector/C picks it; anything else TCP to
// "host:port", the host lowercased and port 0 the default, 3306.
#pragma once

#include <mysql.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace connguard::detail {

inline std::string server_key(std::string host, unsigned int port) {
    if (host.empty() || host == "localhost") {
        const char* socket = std::getenv("MYSQL_UNIX_PORT");
        return socket != nullptr && *socket != '\0' ? socket : MYSQL_UNIX_ADDR;
    }
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return host + ":" + std::to_string(port != 0 ? port : 3306U);
}

}  // namespace connguard::detail
