#pragma once
// Redaction of /proc/[pid]/cmdline for the optional `cmdline` label (off by
// default). Plain string scanning, no regex; linear in the input.
//
// The command line is split into argv ELEMENTS (at NUL) and each element into
// WORDS (at ASCII whitespace: an element like the script of `sh -c "..."` or a
// setproctitle() string holds several). The rules below look at words; a
// "value in the next word" at the end of an element is the whole next element.
// Every secret value is replaced by "<redacted>"; names, '=' and ':' are kept.
// A value that opens a quote its word doesn't close (`--password='a b'` inside
// an `sh -c` script) is hidden up to the closing quote.
//
//  1. Exact flags (RedactionRules::secret_flags, case-sensitive):
//       --password=x  -> --password=<redacted>
//       --password x  -> --password <redacted>   the next word/element is ALWAYS
//                        taken, even when it starts with '-' (getopt semantics of
//                        a required argument, so a value like "-x9" still hides).
//     A single-letter flag ("-p") additionally has the glued form:
//       -pHunter2     -> -p<redacted>            (mysql, mariadb)
//       -p Hunter2    -> -p <redacted>           (sshpass, mongodump, rabbitmqadmin)
//       -p=Hunter2    -> -p=<redacted>
//     This is deliberately over-eager: `ssh -p 22` becomes `ssh -p <redacted>`,
//     `mysql -p dbname` (password prompt) hides dbname, `mysql -p -h db` hides
//     "-h", and single-dash words starting with "-p" (`find -print`) become
//     `-p<redacted>`. Hiding a port is cheap; showing a password is not.
//     An entry "PROGRAM:FLAG" applies only when the basename of the first word
//     of argv[0] is PROGRAM (defaults: "redis-cli:-a", "ldapsearch:-w", ...),
//     for flags too common to redact everywhere, or after a later word whose
//     basename is PROGRAM (`sudo redis-cli -a x`, `sh -c "curl -u u:p url"`,
//     `docker exec c redis-cli -a x`) up to the end of that command (a word
//     "&&", "||", "|", "&" or ending in ';'): `sh -c "redis-cli ping && rsync
//     -a a b"` keeps rsync's -a.
//  2. Options whose name (after the leading dashes, case-insensitively) contains
//     one of secret_key_words: `--db-password=x`, `--api-token x`,
//     `--private-key x`, Go-style `-auth-key x`, `--passphrase x`. The separate form
//     takes the next word/element only when it does not start with '-', since such a
//     name may be a boolean switch (`--no-auth --port 5432` stays intact).
//     A name ending in "file", "path", "dir" or "fd" names where the secret is,
//     and its value shows: `--password-file /etc/x`, `--token-path=/run/t`,
//     `POSTGRES_PASSWORD_FILE=/run/secrets/db` (rules 2 and 3).
//  3. KEY=VALUE words whose KEY contains a secret_key_word (case-insensitive):
//     `AWS_SECRET_ACCESS_KEY=abc`, `GITHUB_TOKEN=x`, `PGPASSWORD=x`,
//     `-Ddb.password=x` -> VALUE (to the end of the word) redacted. Embedded
//     pairs after '?', '&', ';', ',' or '=' (URL queries, `--set a.token=x`,
//     `--opts=user=u,password=p`) are redacted up to the next '&', ';' or ','.
//     `LANG=C` stays. A KEY= with nothing after it takes the next word of the
//     same element (`Password= x;` in a connection string; so `sh -c
//     "PGPASSWORD= psql"` hides "psql").
//  4. URLs with userinfo: scheme://user:pass@host -> scheme://user:<redacted>@host;
//     in http(s) URLs also a lone user: https://TOKEN@host -> https://<redacted>@host
//     (also `redis://:pass@host`). The password runs to the last '@' before the
//     next "://" in the word, so an unencoded '@' or '/' in it stays hidden.
//     `scheme://user@host` (no ':') is left alone: a bare user name, although
//     some tools put a token there (https://ghp_x@github.com).
//  5. Header-style "Name:" words ending in ':' whose Name contains a
//     secret_key_word hide the rest of their element:
//     `-H "Authorization: Bearer x"` -> `-H Authorization: <redacted>`; glued,
//     "Name:VALUE" whose Name ENDS in a key word (or is an Authorization
//     header) too: `password:x`, `Authorization:Bearer x`, `X-Auth-Token:x`
//     (`keycloak:8080` and `secrets-manager:443` stay). A name after an opening
//     quote (`-H 'Authorization: Bearer x' url` in a script) hides up to the
//     closing quote and the rest of that shell word. A value that is missing or
//     only a scheme ("Bearer", "Basic", ...) is the next word or element, always
//     taken: `-H "X-Auth-Token:" "value"` (curl's way to drop a header then
//     hides the URL; so does `grep password: file` the file name).
//  6. Names followed by their value in other forms, the name ENDING in a key
//     word (so `grep token file.txt` stays):
//       `Password = x;` `Password =x;` `Password : x` (within or across elements;
//       the value runs to a ';', where a connection string's next pair starts);
//       JSON/dict pairs `{"password":"x"}` -> `{"password":<redacted>}`,
//       unquoted values up to ',', '}' or ']', `{"password": "x"}` the next word;
//       secret_names (`aws configure set aws_secret_access_key X`): the next word.
//  7. Shapes: a JWT (eyJ... '.' ... '.' ..., base64url, starting a word or after a
//     non-base64url byte) and an AWS access key id (AKIA or ASIA and 16 of
//     [A-Z0-9], not inside a longer alphanumeric run) are hidden wherever they are.
//
// Trailing NULs are dropped, elements are joined with single spaces (a word's
// own whitespace is kept), and the result is cut to max_bytes without splitting
// a UTF-8 sequence, ending in "…" (3 bytes, counted in the budget; left out when
// max_bytes < 3). Invalid UTF-8 is passed through untouched.
//
// A command line READ only in part (read_cut: the probe stopped at its byte
// budget) ends in a word of unknown length, and several rules need a word's end
// to see its secret: `https://TOKEN@host` cut to `https://TOK`, or
// `mysql://u:pa@ss@db` cut to `mysql://u:pa@ss`, would show the start of the
// secret. So that last word, everything after the last NUL or whitespace, is
// dropped before the rules run and the label ends in " …". What is left
// renders exactly as in the whole line: every rule decides a word's mask from
// the word and what precedes it (an argument taken as a flag's value, from its
// first two bytes), and what it hides past a word (a flag's value in the next
// word, a header's value, an unclosed quote) runs to the end of the element or
// to the end of what was read, which hides the same kept bytes. Hence
// the label of a cut read, without its " …", is a prefix of the whole line's
// label, never more (tests/unit/redaction_test.cc checks that for every cut).
// A rule that looks at later words to decide an earlier word's mask would break
// this, and that test.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace proctree {

struct RedactionRules {
  // Exact option names whose value is secret, e.g. "--password", "-p";
  // "PROGRAM:FLAG" limits one to a program (rule 1 above).
  std::vector<std::string> secret_flags;
  // Case-insensitive words that make an option name (rule 2), a KEY of KEY=VALUE
  // (rule 3), a header name (rule 5) or another name (rule 6) secret, e.g.
  // "PASSWORD", "TOKEN", "KEY".
  std::vector<std::string> secret_key_words;
  // Case-insensitive names whose value is the next word even without a dash or
  // '=' (rule 6): `aws configure set aws_secret_access_key X`.
  std::vector<std::string> secret_names;
  static RedactionRules Defaults();
};

// raw_cmdline: /proc/[pid]/cmdline as read (NUL-separated; may lack the final
// NUL; any bytes). Empty (kernel thread) -> "". read_cut: raw_cmdline is the
// first bytes of a longer command line (see above). Never throws (returns ""
// if memory runs out).
std::string RedactCmdline(std::string_view raw_cmdline, const RedactionRules& rules, std::size_t max_bytes,
                          bool read_cut = false) noexcept;

}  // namespace proctree
