//! Policy::from_env: CONNGUARD_POLICY and CONNGUARD_SERVICE as in the other
//! languages. One test, as it changes the process environment.

use connguard::policy::{POLICY_ENV, SERVICE_ENV};
use connguard::{Policy, PolicyErrorKind};

#[test]
fn from_env_reads_the_file_and_service_the_environment_names() {
    let path = std::env::temp_dir().join(format!("connguard-env-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "[default]\nmax_attempts = 4\n\n[service.worker]\nmax_attempts = 7\n",
    )
    .unwrap();

    std::env::remove_var(POLICY_ENV);
    std::env::set_var(SERVICE_ENV, "worker");
    assert_eq!(
        Policy::from_env(None),
        Ok(Policy::default()),
        "no file: the built-in defaults"
    );

    std::env::set_var(POLICY_ENV, &path);
    let from_service_env = Policy::from_env(None).unwrap();
    assert_eq!(
        (
            from_service_env.service.as_str(),
            from_service_env.max_attempts
        ),
        ("worker", 7)
    );
    assert_eq!(
        Policy::from_env(Some("other")).unwrap_err().kind(),
        PolicyErrorKind::UnknownService
    );

    std::env::remove_var(SERVICE_ENV);
    let default = Policy::from_env(None).unwrap();
    assert_eq!((default.service.as_str(), default.max_attempts), ("", 4));
    assert_eq!(default.service_name(), "default");
    std::fs::remove_file(&path).unwrap();
}
