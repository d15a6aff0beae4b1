#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "connguard/environment_policy.hpp"
#include "connguard/policy_error.hpp"

namespace connguard {
namespace {

// Sets CONNGUARD_POLICY / CONNGUARD_SERVICE for one test and restores them.
class EnvironmentPolicy : public ::testing::Test {
protected:
    void SetUp() override {
        saved_policy_ = save(kPolicyEnv);
        saved_service_ = save(kServiceEnv);
        ::unsetenv(kPolicyEnv);
        ::unsetenv(kServiceEnv);
        file_ = std::filesystem::temp_directory_path() /
                ("connguard-env-" + std::to_string(::getpid()) + ".toml");
        std::ofstream(file_) << "[default]\nmax_attempts = 3\n\n[service.worker]\ndeadline = \"1m\"\n";
    }
    void TearDown() override {
        restore(kPolicyEnv, saved_policy_);
        restore(kServiceEnv, saved_service_);
        std::filesystem::remove(file_);
    }

    std::filesystem::path file_;

private:
    static std::optional<std::string> save(const char* name) {
        const char* value = std::getenv(name);
        return value ? std::optional<std::string>(value) : std::nullopt;
    }
    static void restore(const char* name, const std::optional<std::string>& value) {
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }
    std::optional<std::string> saved_policy_;
    std::optional<std::string> saved_service_;
};

TEST_F(EnvironmentPolicy, DefaultsWithoutAFile) {
    const Policy policy = environment_policy("worker");
    EXPECT_EQ(policy.max_attempts, Policy{}.max_attempts);
    EXPECT_EQ(policy.deadline, Policy{}.deadline);
    EXPECT_EQ(service_name(policy, "worker"), "worker");
}

TEST_F(EnvironmentPolicy, TheFileForTheNamedService) {
    ::setenv(kPolicyEnv, file_.c_str(), 1);
    ::setenv(kServiceEnv, "nosuch", 1);  // the argument wins
    const Policy policy = environment_policy("worker");
    EXPECT_EQ(policy.service, "worker");
    EXPECT_EQ(policy.max_attempts, 3);
    EXPECT_EQ(policy.deadline, 60.0);
}

TEST_F(EnvironmentPolicy, TheServiceFromTheEnvironment) {
    ::setenv(kPolicyEnv, file_.c_str(), 1);
    ::setenv(kServiceEnv, "worker", 1);
    EXPECT_EQ(environment_policy().deadline, 60.0);
    EXPECT_EQ(service_name(Policy{}), "worker");
    ::unsetenv(kServiceEnv);
    const Policy defaults = environment_policy();
    EXPECT_EQ(defaults.service, "");
    EXPECT_EQ(defaults.max_attempts, 3);
    EXPECT_EQ(service_name(defaults), "");
}

TEST_F(EnvironmentPolicy, AnUnknownServiceOrFileIsAnError) {
    ::setenv(kPolicyEnv, file_.c_str(), 1);
    EXPECT_THROW(environment_policy("api"), PolicyError);
    ::setenv(kPolicyEnv, (file_.string() + ".missing").c_str(), 1);
    try {
        environment_policy();
        FAIL() << "loaded a missing file";
    } catch (const PolicyError& error) {
        EXPECT_EQ(error.kind(), PolicyErrorKind::Io);
    }
}

TEST_F(EnvironmentPolicy, ServiceNamePrefersTheCallerThenThePolicy) {
    ::setenv(kServiceEnv, "from-env", 1);
    Policy policy;
    policy.service = "from-policy";
    EXPECT_EQ(service_name(policy, "caller"), "caller");
    EXPECT_EQ(service_name(policy), "from-policy");
    EXPECT_EQ(service_name(Policy{}), "from-env");
}

}  // namespace
}  // namespace connguard
