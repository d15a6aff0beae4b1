//! A service that depends on connguard and on toml itself resolves, whichever
//! toml it asks for: connguard asks for any toml 0.9 and keeps to TOML v1.0 by
//! itself (src/policy/toml_v1_0.rs), not by pinning a release. Each test
//! writes a project under the target directory and resolves it against
//! crates.io (`cargo generate-lockfile`), without building it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh project `name` (empty `src/lib.rs`) with these dependency lines.
fn project(name: &str, dependencies: &[&str]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir); // a lock left by an earlier run
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    // `[workspace]`: the project is its own, not a member of rust-shim's above it.
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{}\n\n[workspace]\n",
        dependencies.join("\n")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    dir
}

fn connguard() -> String {
    let path = env!("CARGO_MANIFEST_DIR");
    format!("connguard = {{ path = {path:?} }}")
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    // CARGO: the cargo that runs these tests.
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo {} in {}: {}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The versions of toml in the project's new Cargo.lock.
fn resolve(dir: &Path) -> Vec<String> {
    cargo(dir, &["generate-lockfile"]);
    let lock = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();
    lock.split("[[package]]")
        .filter(|package| package.contains("\nname = \"toml\"\n"))
        .filter_map(|package| {
            let version = package.lines().find_map(|l| l.strip_prefix("version = "))?;
            Some(version.trim_matches('"').to_string())
        })
        .collect()
}

/// connguard and the project share one toml: `cargo tree -i toml` shows
/// both above it (and fails if there were two tomls to choose from).
fn assert_one_toml_for_both(dir: &Path, name: &str) {
    let tree = cargo(dir, &["tree", "--invert", "toml", "--edges", "normal"]);
    let tree = String::from_utf8_lossy(&tree.stdout);
    let project = format!("{name} v");
    for user in ["connguard v", &project] {
        assert!(tree.contains(user), "{user} is not above toml:\n{tree}");
    }
}

#[test]
fn a_service_asking_for_toml_0_9_or_its_newest_release_resolves() {
    // The newest toml 0.9.x, as a service asking only for toml finds it.
    let alone = resolve(&project("toml-alone", &[r#"toml = "0.9""#]));
    let [newest] = &alone[..] else {
        panic!("toml versions: {alone:?}");
    };
    // The version without its build metadata (`0.9.12+spec-1.1.0`).
    let release = newest.split('+').next().unwrap();

    for (name, toml) in [
        ("caret-toml", r#"toml = "0.9""#.to_string()),
        ("newest-toml", format!("toml = \"={release}\"")),
    ] {
        let dir = project(name, &[&connguard(), &toml]);
        assert_eq!(resolve(&dir), std::slice::from_ref(newest), "{toml}");
        assert_one_toml_for_both(&dir, name);
    }
}

#[test]
fn a_service_on_toml_1_resolves_beside_connguards_toml_0_9() {
    let dir = project("toml-1", &[&connguard(), r#"toml = "1""#]);
    let mut versions = resolve(&dir);
    versions.sort();
    assert!(
        matches!(&versions[..], [old, new] if old.starts_with("0.9.") && new.starts_with("1.")),
        "toml versions: {versions:?}"
    );
}
