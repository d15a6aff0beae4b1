//! Masking the secrets in a text (spec 4.3), line by line: a URL's password
//! and the value of a password/secret pair become `***`.
//! tests/vectors/mask.json pins the rule, as for every implementation.
//!
//! Every delimiter is ASCII, so the scanners walk bytes and slice the `&str`
//! only at ASCII bytes, which are always char boundaries.

const KEYS: [&str; 5] = ["password", "passwd", "pwd", "pass", "secret"];

/// `text` with every password in a URL (`mysql://app:***@db/main`) or a
/// `password=`-style pair shown as `***`, line by line, by spec 4.3's rule;
/// MariaDB's `(using password: YES)` is left alone.
pub fn mask_dsn(text: &str) -> String {
    text.split('\n')
        .map(|line| mask_pairs(&mask_url(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_key(word: &[u8]) -> bool {
    KEYS.iter()
        .any(|key| key.as_bytes().eq_ignore_ascii_case(word))
}

fn is_scheme_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'\'' | b'"')
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// What may end an unquoted value: ASCII white space (vertical tab included,
/// as in a regex's `\s`), `;`, `&` or `,`.
fn is_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b';' | b'&' | b','
    )
}

/// The first index from `i` whose byte fails `keep`.
fn skip(line: &[u8], i: usize, keep: impl Fn(u8) -> bool) -> usize {
    i + line[i..].iter().take_while(|&&b| keep(b)).count()
}

fn byte_is(line: &[u8], i: usize, want: impl Fn(u8) -> bool) -> bool {
    line.get(i).is_some_and(|&b| want(b))
}

/// The end of `SCHEME:/`, `SCHEME://` (the scheme starting a word) or a bare
/// `//` at `p`.
fn scheme_at(line: &[u8], p: usize) -> Option<usize> {
    let starts_word = p == 0 || !is_scheme_char(line[p - 1]);
    if starts_word && line[p].is_ascii_alphabetic() {
        let colon = skip(line, p, is_scheme_char);
        if line[colon..].starts_with(b":/") {
            return Some(colon + 2 + usize::from(byte_is(line, colon + 2, |b| b == b'/')));
        }
    }
    line[p..].starts_with(b"//").then_some(p + 2)
}

/// The userinfo after the first scheme runs to the line's last `@`; a later
/// scheme lies inside it or past that `@`, so one URL at most is masked.
fn mask_url(line: &str) -> String {
    let bytes = line.as_bytes();
    let Some(start) = (0..bytes.len()).find_map(|p| scheme_at(bytes, p)) else {
        return line.to_owned();
    };
    match line.rfind('@').filter(|&end| end >= start) {
        Some(end) => match line[start..end].find(':') {
            Some(colon) => format!("{}***{}", &line[..=start + colon], &line[end..]),
            None => line.to_owned(), // a user name, no password
        },
        None => line.to_owned(),
    }
}

/// The end of a key (a whole word, any case), an optional closing quote, `=`
/// or `:` and the spaces around it, at `p`.
fn key_at(line: &[u8], p: usize) -> Option<usize> {
    if p > 0 && is_word_char(line[p - 1]) {
        return None;
    }
    let word_end = skip(line, p, is_word_char);
    if !is_key(&line[p..word_end]) {
        return None;
    }
    let mut i = word_end + usize::from(byte_is(line, word_end, is_quote));
    i = skip(line, i, is_space);
    byte_is(line, i, |b| matches!(b, b'=' | b':')).then(|| skip(line, i + 1, is_space))
}

/// Whether the next `key=`/`key:` pair starts at `q` with its separator, which
/// ends an unquoted value.
fn next_pair_at(line: &[u8], q: usize) -> bool {
    if !is_separator(line[q]) {
        return false;
    }
    let mut i = skip(line, q + 1, is_space);
    i += usize::from(byte_is(line, i, is_quote));
    if !byte_is(line, i, |b| b.is_ascii_alphabetic() || b == b'_') {
        return false;
    }
    i = skip(line, i, |b| is_word_char(b) || matches!(b, b'.' | b'-'));
    i += usize::from(byte_is(line, i, is_quote));
    i = skip(line, i, is_space);
    byte_is(line, i, |b| matches!(b, b'=' | b':'))
}

fn mask_pairs(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let (mut at, mut p) = (0, 0);
    while p < bytes.len() {
        let Some(mut start) = key_at(bytes, p) else {
            p += 1;
            continue;
        };
        p = start;
        let rest = &line[start..];
        if start < at || rest.starts_with("YES)") || rest.starts_with("NO)") {
            continue;
        }
        let end = match rest.bytes().next().filter(|&b| is_quote(b)) {
            Some(quote) => {
                start += 1;
                line[start..]
                    .find(char::from(quote))
                    .map_or(line.len(), |close| start + close)
            }
            None => (start..bytes.len())
                .find(|&q| next_pair_at(bytes, q))
                .unwrap_or(line.len()),
        };
        if end == start {
            continue; // an empty value hides nothing
        }
        out.push_str(&line[at..start]);
        out.push_str("***");
        at = end;
    }
    out.push_str(&line[at..]);
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
    }

    #[test]
    fn a_userinfo_runs_to_the_last_at_of_its_line() {
        assert_eq!(
            mask_dsn("failed: mysql://u:p@ss@h/db via postgres://x:y@z\nmysql://a:b@c"),
            "failed: mysql://u:***@z\nmysql://a:***@c"
        );
    }

    #[test]
    fn leaves_urls_without_a_password_alone() {
        for text in [
            "mariadb://app@db:3306/main",
            "http://host:80/path",
            "mariadb://app:pw",
            "app@db: Too many connections",
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
        assert_eq!(mask_dsn("PASSWD : a;b c&d,e"), "PASSWD : ***");
        assert_eq!(mask_dsn("secret=a;b c; next=1"), "secret=***; next=1");
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

    #[test]
    fn keeps_text_that_is_not_ascii() {
        assert_eq!(mask_dsn("é pass=ü\nñ"), "é pass=***\nñ");
    }
}
