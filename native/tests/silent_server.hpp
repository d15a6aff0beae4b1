// A loopback TCP server that never answers: it listens but never accepts, so
// the kernel completes each connect and the client waits for a greeting that
// never comes (a hung server, or a proxy whose backend hangs).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace connguard {

class SilentServer {
public:
    SilentServer() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        const bool ok = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                        ::listen(fd_, 16) == 0 &&
                        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0;
        if (!ok) {
            if (fd_ >= 0) ::close(fd_);
            throw std::runtime_error("cannot listen on a loopback port");
        }
        port_ = ntohs(address.sin_port);
    }
    ~SilentServer() { ::close(fd_); }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;

    unsigned int port() const noexcept { return port_; }

private:
    int fd_;
    unsigned int port_ = 0;
};

}  // namespace connguard
