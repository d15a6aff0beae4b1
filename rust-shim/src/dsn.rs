//! Showing a connection target without its password.

/// `text` with every password in a URL (`scheme://user:password@host`) or a
/// `password=` pair shown as `***`, as `connguard.dsn.mask_dsn` does in Python.
///
/// A URL's password runs to the last `@` of its word, so an unencoded `@` in a
/// password is masked too (over-masking an odd query string is the safe side
/// to err on). The server's own `(using password: YES)` is left alone.
pub fn mask_dsn(text: &str) -> String {
    mask_key_values(&mask_urls(text))
}

fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')
}

fn mask_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let before = &rest[..at];
        let scheme = &before[before.trim_end_matches(is_scheme_char).len()..];
        let after = &rest[at + 3..];
        let user_len = after
            .find(|c: char| matches!(c, ':' | '/' | '@') || c.is_whitespace())
            .unwrap_or(after.len());
        let word = &after[user_len..];
        let word = &word[..word.find(char::is_whitespace).unwrap_or(word.len())];
        let last_at = word.rfind('@');
        match last_at {
            Some(last_at)
                if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && word.starts_with(':') =>
            {
                out.push_str(&rest[..at + 3 + user_len + 1]);
                out.push_str("***@");
                rest = &after[user_len + last_at + 1..];
            }
            _ => {
                out.push_str(&rest[..at + 3]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Length of the `password=`-style head (key, optional quote, separator,
/// optional quote) at the start of `text`, if one is there.
fn key_head_len(text: &str) -> Option<usize> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let key_len = ["password", "passwd", "pwd"]
        .into_iter()
        .find(|key| lower.starts_with(key))?
        .len();
    let mut rest = &text[key_len..];
    if rest.starts_with(is_word_char) {
        return None;
    }
    rest = rest.strip_prefix(['\'', '"']).unwrap_or(rest);
    rest = rest.trim_start();
    rest = rest.strip_prefix(['=', ':'])?;
    rest = rest.trim_start();
    rest = rest.strip_prefix(['\'', '"']).unwrap_or(rest);
    Some(text.len() - rest.len())
}

fn mask_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut previous: Option<char> = None;
    while i < text.len() {
        let rest = &text[i..];
        let at_boundary = !previous.is_some_and(is_word_char);
        if let Some(head) = key_head_len(rest).filter(|_| at_boundary) {
            let value = &rest[head..];
            let value_len = value
                .find(|c: char| {
                    matches!(c, '\'' | '"' | ',' | ';' | '&' | ')' | '}') || c.is_whitespace()
                })
                .unwrap_or(value.len());
            let upper = value.get(..4).unwrap_or(value).to_ascii_uppercase();
            if value_len > 0 && !upper.starts_with("YES)") && !upper.starts_with("NO)") {
                out.push_str(&rest[..head]);
                out.push_str("***");
                i += head + value_len;
                previous = Some('*');
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        previous = Some(c);
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_of_a_url() {
        assert_eq!(
            mask_dsn("mariadb://app:s3cret@db:3306/main"),
            "mariadb://app:***@db:3306/main"
        );
        assert_eq!(
            mask_dsn("failed: mysql://u:p@ss@h/db and postgres://x:y@z"),
            "failed: mysql://u:***@h/db and postgres://x:***@z"
        );
    }

    #[test]
    fn leaves_urls_without_a_password_alone() {
        for text in [
            "mariadb://app@db:3306/main",
            "http://host:80/path",
            "see ://x:y@z",
            "mariadb://app:pw",
        ] {
            assert_eq!(mask_dsn(text), text);
        }
    }

    #[test]
    fn masks_password_pairs() {
        assert_eq!(
            mask_dsn("host=db password=s3cret user=app"),
            "host=db password=*** user=app"
        );
        assert_eq!(
            mask_dsn(r#"{"Password": "s3cret", "pwd":'x'}"#),
            r#"{"Password": "***", "pwd":'***'}"#
        );
        assert_eq!(mask_dsn("PASSWD : hunter2;next"), "PASSWD : ***;next");
    }

    #[test]
    fn keeps_the_servers_using_password_note_and_other_words() {
        let text = "Access denied for user 'app'@'localhost' (using password: YES)";
        assert_eq!(mask_dsn(text), text);
        assert_eq!(
            mask_dsn("mypassword=x passwords=y"),
            "mypassword=x passwords=y"
        );
    }
}
