#include <gtest/gtest.h>

#include "server_key.hpp"

namespace connguard::detail {
namespace {

TEST(ServerKey, LocalhostAndNoHostAreTheSocketWhateverThePort) {
    EXPECT_EQ(server_key("", 0), "socket:");
    EXPECT_EQ(server_key("localhost", 3306), server_key("", 3307));
}

TEST(ServerKey, TcpHostsAreLowercasedWithTheDefaultPort) {
    EXPECT_EQ(server_key("DB.Example", 0), "tcp:db.example:3306");
    EXPECT_EQ(server_key("db.example", 3306), server_key("DB.example", 0));
    EXPECT_NE(server_key("127.0.0.1", 3306), server_key("127.0.0.1", 3307));
}

}  // namespace
}  // namespace connguard::detail
