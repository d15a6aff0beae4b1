#include <gtest/gtest.h>
#include <stdlib.h>

#include "server_key.hpp"

namespace connguard::detail {
namespace {

TEST(ServerKey, LocalhostAndNoHostAreTheSocketWhateverThePort) {
    EXPECT_EQ(server_key("localhost", 3306), server_key("", 3307));
    ASSERT_EQ(::setenv("MYSQL_UNIX_PORT", "/tmp/connguard-test.sock", 1), 0);
    EXPECT_EQ(server_key("localhost", 3306), "/tmp/connguard-test.sock");
    ASSERT_EQ(::unsetenv("MYSQL_UNIX_PORT"), 0);
    EXPECT_EQ(server_key("", 0), MYSQL_UNIX_ADDR);  // Connector/C's default path
}

TEST(ServerKey, TcpHostsAreLowercasedWithTheDefaultPort) {
    EXPECT_EQ(server_key("DB.Example", 0), "db.example:3306");
    EXPECT_EQ(server_key("db.example", 3306), server_key("DB.example", 0));
    EXPECT_NE(server_key("127.0.0.1", 3306), server_key("127.0.0.1", 3307));
}

}  // namespace
}  // namespace connguard::detail
