'use strict';
// Showing a connection target without its password.

// scheme://user:password@host -> scheme://user:***@host. Greedy up to the last
// '@' of the word, so an unencoded '@' in a password is masked too.
const URL_PASSWORD = /(\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:/@\s]*:)\S*@/g;
// password=secret, passwd: secret, "password": "secret"; not the server's own
// "(using password: YES)", which tells nothing.
const KEY_PASSWORD = /(\b(?:password|passwd|pwd)\b['"]?\s*[=:]\s*['"]?)(?!(?:YES|NO)\))[^'"\s,;&)}]+/gi;

/** `text` with every password in a URL or a `password=` pair shown as `***`. */
function maskDsn(text) {
  return String(text).replace(URL_PASSWORD, '$1***@').replace(KEY_PASSWORD, '$1***');
}

module.exports = { maskDsn };
