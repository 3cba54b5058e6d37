// RedactCmdline on realistic command lines; see config/redaction.h for the rules.
#include "config/redaction.h"

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

namespace proctree {
namespace {

using namespace std::string_literals;

// Builds /proc/[pid]/cmdline content: every argument NUL-terminated.
std::string Cmdline(std::initializer_list<std::string> args) {
  std::string raw;
  for (const std::string& a : args) {
    raw += a;
    raw.push_back('\0');
  }
  return raw;
}

std::string R(std::initializer_list<std::string> args, std::size_t max_bytes = 4096) {
  return RedactCmdline(Cmdline(args), RedactionRules::Defaults(), max_bytes);
}

// --- plumbing ---

TEST(RedactCmdlineTest, EmptyCmdlineIsKernelThread) {
  EXPECT_EQ(RedactCmdline("", RedactionRules::Defaults(), 256), "");
  EXPECT_EQ(RedactCmdline(std::string(3, '\0'), RedactionRules::Defaults(), 256), "");
}

TEST(RedactCmdlineTest, JoinsWithSpacesWithAndWithoutTrailingNul) {
  EXPECT_EQ(R({"/usr/sbin/nginx", "-g", "daemon off;"}), "/usr/sbin/nginx -g daemon off;");
  EXPECT_EQ(RedactCmdline(std::string("sleep\0" "100", 9), RedactionRules::Defaults(), 256), "sleep 100");
  // An empty argument in the middle stays visible as a double space.
  EXPECT_EQ(R({"printf", "", "x"}), "printf  x");
}

TEST(RedactCmdlineTest, SetproctitleStringWithoutNuls) {
  // postgres and nginx overwrite argv with one space-separated string (and NUL padding).
  std::string raw = "postgres: app orders 10.0.0.7(51234) idle";
  raw.append(20, '\0');
  EXPECT_EQ(RedactCmdline(raw, RedactionRules::Defaults(), 256), "postgres: app orders 10.0.0.7(51234) idle");
}

TEST(RedactCmdlineTest, HarmlessArgumentsUntouched) {
  EXPECT_EQ(R({"postgres", "-D", "/var/lib/postgresql/data", "--port", "5432", "-v"}),
            "postgres -D /var/lib/postgresql/data --port 5432 -v");
  EXPECT_EQ(R({"env", "LANG=C", "TZ=UTC", "HOME=/root", "make", "-j8"}), "env LANG=C TZ=UTC HOME=/root make -j8");
  EXPECT_EQ(R({"python3", "-m", "http.server", "--bind", "127.0.0.1", "8000"}),
            "python3 -m http.server --bind 127.0.0.1 8000");
  EXPECT_EQ(R({"java", "-Xmx2g", "-Dfile.encoding=UTF-8", "-jar", "app.jar"}),
            "java -Xmx2g -Dfile.encoding=UTF-8 -jar app.jar");
  EXPECT_EQ(R({"curl", "https://example.com:8443/a@b"}), "curl https://example.com:8443/a@b");
}

// --- rule 1: exact flags ---

TEST(RedactCmdlineTest, LongPasswordBothForms) {
  EXPECT_EQ(R({"app", "--password=x", "--verbose"}), "app --password=<redacted> --verbose");
  EXPECT_EQ(R({"app", "--password", "x", "--verbose"}), "app --password <redacted> --verbose");
  EXPECT_EQ(R({"app", "--token", "abc", "--secret=def"}), "app --token <redacted> --secret=<redacted>");
  // A listed flag takes its value whatever it looks like, as getopt would.
  EXPECT_EQ(R({"app", "--password", "-x9Kq"}), "app --password <redacted>");
  // A value that is itself a secret flag hides what follows too.
  EXPECT_EQ(R({"app", "--password", "--token", "x", "y"}), "app --password <redacted> <redacted> y");
  EXPECT_EQ(R({"mysql", "-p", "-p", "x", "db"}), "mysql -p <redacted> <redacted> db");
  // The value keeps its spaces inside one argv element: all of it is hidden.
  EXPECT_EQ(R({"app", "--password", "correct horse battery", "run"}), "app --password <redacted> run");
  // Nothing to hide.
  EXPECT_EQ(R({"app", "--password=", "--token"}), "app --password= --token");
}

TEST(RedactCmdlineTest, DashPGluedFormMysql) {
  // mysql/mariadb only accept the password glued: -pVALUE.
  EXPECT_EQ(R({"mysql", "-u", "root", "-pHunter2", "orders"}), "mysql -u root -p<redacted> orders");
  EXPECT_EQ(R({"mysqldump", "-uroot", "-p=Hunter2"}), "mysqldump -uroot -p=<redacted>");
  // -p alone prompts; nothing to hide.
  EXPECT_EQ(R({"mysql", "-u", "root", "-p"}), "mysql -u root -p");
}

TEST(RedactCmdlineTest, DashPSeparateFormIsAlsoRedacted) {
  // sshpass, mongodump, rabbitmqadmin take the password as the next argument.
  EXPECT_EQ(R({"sshpass", "-p", "Hunter2", "ssh", "backup@nas"}), "sshpass -p <redacted> ssh backup@nas");
  EXPECT_EQ(R({"mongodump", "-u", "admin", "-p", "Hunter2", "--out", "/backup"}),
            "mongodump -u admin -p <redacted> --out /backup");
  // The documented price: ports and mysql database names hide too.
  EXPECT_EQ(R({"mysql", "-p", "Hunter2"}), "mysql -p <redacted>");
  EXPECT_EQ(R({"ssh", "-p", "2222", "host"}), "ssh -p <redacted> host");
  EXPECT_EQ(R({"find", "/", "-print"}), "find / -p<redacted>");
}

TEST(RedactCmdlineTest, ProgramSpecificFlags) {
  EXPECT_EQ(R({"redis-cli", "-h", "cache", "-a", "Hunter2", "monitor"}), "redis-cli -h cache -a <redacted> monitor");
  EXPECT_EQ(R({"/usr/bin/redis-cli", "-aHunter2"}), "/usr/bin/redis-cli -a<redacted>");
  EXPECT_EQ(R({"curl", "-u", "bob:Hunter2", "https://api.example.com"}), "curl -u <redacted> https://api.example.com");
  EXPECT_EQ(R({"ldapsearch", "-x", "-D", "cn=admin", "-w", "Hunter2"}), "ldapsearch -x -D cn=admin -w <redacted>");
  // The same letters elsewhere mean something else.
  EXPECT_EQ(R({"rsync", "-a", "/src", "/dst"}), "rsync -a /src /dst");
  EXPECT_EQ(R({"tar", "-cf", "x.tar", "-a", "d"}), "tar -cf x.tar -a d");
}

TEST(RedactCmdlineTest, CustomRules) {
  RedactionRules rules;
  rules.secret_flags = {"-k", "openssl:-kfile"};
  EXPECT_EQ(RedactCmdline(Cmdline({"tool", "-k", "s", "-kabc", "-kfile", "f"}), rules, 256),
            "tool -k <redacted> -k<redacted> -k<redacted> f");
  EXPECT_EQ(RedactCmdline(Cmdline({"openssl", "-kfile", "f"}), rules, 256), "openssl -kfile <redacted>");
  // No key words: only the flags apply.
  EXPECT_EQ(RedactCmdline(Cmdline({"env", "PGPASSWORD=x"}), rules, 256), "env PGPASSWORD=x");
}

// --- rule 2: options named like secrets ---

TEST(RedactCmdlineTest, PrefixedLongOptions) {
  EXPECT_EQ(R({"app", "--db-password=x"}), "app --db-password=<redacted>");
  EXPECT_EQ(R({"app", "--db-password", "x"}), "app --db-password <redacted>");
  EXPECT_EQ(R({"app", "--api-token", "t0k", "--client-secret=s", "--private-key", "/k.pem"}),
            "app --api-token <redacted> --client-secret=<redacted> --private-key <redacted>");
  EXPECT_EQ(R({"vault", "--DB-PASSWD=x"}), "vault --DB-PASSWD=<redacted>");
  EXPECT_EQ(R({"./server", "-auth-key", "k", "-listen", ":8080"}), "./server -auth-key <redacted> -listen :8080");
}

TEST(RedactCmdlineTest, SecretNamedSwitchDoesNotSwallowNextOption) {
  // mongod --auth is a boolean switch.
  EXPECT_EQ(R({"mongod", "--auth", "--port", "27017"}), "mongod --auth --port 27017");
  EXPECT_EQ(R({"app", "--no-password"}), "app --no-password");
}

// --- rule 3: KEY=VALUE ---

TEST(RedactCmdlineTest, SecretEnvStylePairs) {
  EXPECT_EQ(R({"env", "AWS_SECRET_ACCESS_KEY=abc", "AWS_REGION=eu-west-1", "aws", "s3", "ls"}),
            "env AWS_SECRET_ACCESS_KEY=<redacted> AWS_REGION=eu-west-1 aws s3 ls");
  EXPECT_EQ(R({"docker", "run", "-e", "GITHUB_TOKEN=ghp_x", "-e", "LANG=C", "img"}),
            "docker run -e GITHUB_TOKEN=<redacted> -e LANG=C img");
  EXPECT_EQ(R({"env", "PGPASSWORD=x", "psql"}), "env PGPASSWORD=<redacted> psql");
  EXPECT_EQ(R({"java", "-Ddb.password=x=y", "-jar", "a.jar"}), "java -Ddb.password=<redacted> -jar a.jar");
  EXPECT_EQ(R({"helm", "--set", "auth.rootPassword=x,image.tag=1"}), "helm --set auth.rootPassword=<redacted>");
}

TEST(RedactCmdlineTest, EmbeddedPairs) {
  EXPECT_EQ(R({"curl", "https://api.example.com/v1?user=bob&access_token=abc&page=2"}),
            "curl https://api.example.com/v1?user=bob&access_token=<redacted>&page=2");
  EXPECT_EQ(R({"app", "--opts=user=u,password=p,mode=ro"}), "app --opts=user=u,password=<redacted>,mode=ro");
}

// --- rule 4: URLs ---

TEST(RedactCmdlineTest, UrlUserinfo) {
  EXPECT_EQ(R({"app", "--db", "postgres://app:s3cret@db:5432/x"}), "app --db postgres://app:<redacted>@db:5432/x");
  EXPECT_EQ(R({"app", "--url=postgres://app:s3cret@db:5432/x?sslmode=require"}),
            "app --url=postgres://app:<redacted>@db:5432/x?sslmode=require");
  EXPECT_EQ(R({"env", "DATABASE_URL=mysql://root:pw@127.0.0.1/app"}), "env DATABASE_URL=mysql://root:<redacted>@127.0.0.1/app");
  EXPECT_EQ(R({"worker", "redis://:pw@cache:6379/0"}), "worker redis://:<redacted>@cache:6379/0");
  // Unencoded '@' and '/' in the password stay hidden.
  EXPECT_EQ(R({"app", "amqp://guest:p@ss/w@rabbit/vhost"}), "app amqp://guest:<redacted>@rabbit/vhost");
  // Two URLs in one word.
  EXPECT_EQ(R({"app", "--peers=http://a:1@h1,http://b:2@h2"}), "app --peers=http://a:<redacted>@h1,http://b:<redacted>@h2");
  // A user without password, and host:port, are not userinfo secrets.
  EXPECT_EQ(R({"git", "clone", "ssh://git@github.com/x/y"}), "git clone ssh://git@github.com/x/y");
  EXPECT_EQ(R({"app", "http://[::1]:8080/metrics"}), "app http://[::1]:8080/metrics");
  // A user-only http(s) userinfo is where git and CI tools put access tokens.
  EXPECT_EQ(R({"git", "clone", "https://ghp_abc123@github.com/x/y"}), "git clone https://<redacted>@github.com/x/y");
  EXPECT_EQ(R({"app", "--remote=HTTP://tok@h/x"}), "app --remote=HTTP://<redacted>@h/x");
  EXPECT_EQ(R({"app", "xhttps://tok@h"}), "app xhttps://tok@h");
  EXPECT_EQ(R({"app", "https://@h"}), "app https://@h");
}

// --- rule 5: header values; words inside one argument ---

TEST(RedactCmdlineTest, AuthorizationHeader) {
  EXPECT_EQ(R({"curl", "-H", "Authorization: Bearer eyJhbGci", "https://api"}),
            "curl -H Authorization: <redacted> https://api");
  EXPECT_EQ(R({"wget", "--header=X-Api-Key: k", "u"}), "wget --header=X-Api-Key: <redacted> u");
  EXPECT_EQ(R({"curl", "-H", "Accept: text/plain"}), "curl -H Accept: text/plain");
  // host:port is not a header.
  EXPECT_EQ(R({"kc", "keycloak:8080"}), "kc keycloak:8080");
}

TEST(RedactCmdlineTest, ShellScriptArgumentIsScannedWordByWord) {
  EXPECT_EQ(R({"/bin/sh", "-c", "PGPASSWORD=x pg_dump --password y -h db app | gzip"}),
            "/bin/sh -c PGPASSWORD=<redacted> pg_dump --password <redacted> -h db app | gzip");
  EXPECT_EQ(R({"bash", "-c", "mysql -uroot -pHunter2 -e 'select 1'"}), "bash -c mysql -uroot -p<redacted> -e 'select 1'");
  // Quoted values with spaces stay hidden up to the closing quote.
  EXPECT_EQ(R({"sh", "-c", "mysql --password='a b c' db && PGPASSWORD=\"d e\"f psql -p 'g h' x"}),
            "sh -c mysql --password=<redacted> db && PGPASSWORD=<redacted> psql -p <redacted> x");
  EXPECT_EQ(R({"sh", "-c", "run --token 'unterminated a b"}), "sh -c run --token <redacted>");
  EXPECT_EQ(R({"sh", "-c", "run --token 'closed' next"}), "sh -c run --token <redacted> next");
}

// --- gaps an attack run found (issue 13, item 7) ---

struct RedactCase {
  const char* what;
  std::vector<std::string> argv;
  std::string label;
};

std::string Redact(const std::vector<std::string>& argv) {
  std::string raw;
  for (const std::string& a : argv) raw += a + '\0';
  return RedactCmdline(raw, RedactionRules::Defaults(), 4096);
}

// Each secret below showed in the label before these rules; each harmless line
// shows whole. An argument with spaces is an `sh -c` script or one setproctitle string.
const RedactCase kAttackCases[] = {
    {"name:value glued", {"app", "password:x"}, "app password:<redacted>"},
    {"glued header, scheme and token in one argument",
     {"curl", "-H", "Authorization:Bearer x", "https://api"}, "curl -H Authorization:<redacted> https://api"},
    {"glued header, token in the next argument",
     {"curl", "-H", "Authorization:Bearer", "x"}, "curl -H Authorization:<redacted> <redacted>"},
    {"header name and scheme, token in the next argument",
     {"curl", "-H", "Authorization: Bearer", "x"}, "curl -H Authorization: <redacted> <redacted>"},
    {"spaced '=' in a connection string",
     {"sqlcmd", "-C", "Server=db;User Id=sa;Password = x;Database=y"},
     "sqlcmd -C Server=db;User Id=sa;Password = <redacted>;Database=y"},
    {"spaced '=' alone", {"app", "Password = x;"}, "app Password = <redacted>;"},
    {"'=' glued to the value", {"app", "Password =x;"}, "app Password =<redacted>;"},
    {"empty KEY= then the value", {"app", "Password= x;Database=y"}, "app Password= <redacted>;Database=y"},
    {"--passphrase", {"gpg", "--batch", "--passphrase", "x", "-d", "f.gpg"}, "gpg --batch --passphrase <redacted> -d f.gpg"},
    {"--passphrase=", {"gpg", "--passphrase=x"}, "gpg --passphrase=<redacted>"},
    {"JSON body", {"curl", "-d", "{\"password\":\"x\"}", "https://api"}, "curl -d {\"password\":<redacted>} https://api"},
    {"JSON field among others", {"curl", "-d", "{\"user\":\"bob\",\"apiKey\":\"x\",\"n\":1}"},
     "curl -d {\"user\":\"bob\",\"apiKey\":<redacted>,\"n\":1}"},
    {"JSON unquoted value", {"app", "{\"token\":12345,\"n\":1}"}, "app {\"token\":<redacted>,\"n\":1}"},
    {"JSON with blanks", {"curl", "-d", "{\"password\": \"x y\", \"user\": \"bob\"}"},
     "curl -d {\"password\": <redacted> \"user\": \"bob\"}"},
    {"JSON with a blank before ':'", {"app", "{ \"secret\" : \"x\" }"}, "app { \"secret\" : <redacted> }"},
    {"sh -c redis-cli -a", {"sh", "-c", "redis-cli -a x ping"}, "sh -c redis-cli -a <redacted> ping"},
    {"bash -c curl -u", {"bash", "-c", "curl -u u:p https://api"}, "bash -c curl -u <redacted> https://api"},
    {"sudo redis-cli -a", {"sudo", "redis-cli", "-h", "cache", "-a", "x"}, "sudo redis-cli -h cache -a <redacted>"},
    {"docker exec redis-cli -a", {"docker", "exec", "c1", "/usr/bin/redis-cli", "-ax"},
     "docker exec c1 /usr/bin/redis-cli -a<redacted>"},
    {"quoted header in sh -c", {"sh", "-c", "curl -H 'Authorization: Bearer x' https://api"},
     "sh -c curl -H 'Authorization: <redacted> https://api"},
    {"quoted glued header in sh -c", {"sh", "-c", "curl -H \"X-Auth-Token:x\" https://api"},
     "sh -c curl -H \"X-Auth-Token:<redacted> https://api"},
    {"quoted header name alone in sh -c", {"sh", "-c", "curl -H 'X-Auth-Token:' t0k https://api"},
     "sh -c curl -H 'X-Auth-Token:<redacted> <redacted> https://api"},
    {"header name alone, value in the next argument", {"curl", "-H", "X-Auth-Token:", "value"},
     "curl -H X-Auth-Token: <redacted>"},
    {"header name as an argument, then the value", {"app", "X-Auth-Token:", "value", "-v"},
     "app X-Auth-Token: <redacted> -v"},
    {"bare JWT", {"app", "--jwt-in", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"},
     "app --jwt-in <redacted>"},
    {"JWT inside a word", {"app", "--bearer=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "-v"}, "app --bearer=<redacted> -v"},
    {"JWT in a URL path", {"wget", "https://h/dl/eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln/file"},
     "wget https://h/dl/<redacted>/file"},
    {"AWS access key id", {"app", "AKIAIOSFODNN7EXAMPLE"}, "app <redacted>"},
    {"AWS session key id in a pair", {"app", "--id=ASIA1234567890ABCDEF,region=x"}, "app --id=<redacted>,region=x"},
    {"AWS secret key after its name", {"aws", "configure", "set", "aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
     "aws configure set aws_secret_access_key <redacted>"},
    {"AWS secret key, ini style in a script",
     {"sh", "-c", "printf 'aws_secret_access_key = wJalrXUtnFEMI' >> creds"},
     "sh -c printf 'aws_secret_access_key = <redacted> >> creds"},
    // Harmless lines.
    {"ls -a", {"ls", "-a"}, "ls -a"},
    {"a bare key word", {"grep", "token", "file.txt"}, "grep token file.txt"},
    {"a secret's file is a path", {"app", "--password-file", "/etc/x", "--token-path=/run/t"},
     "app --password-file /etc/x --token-path=/run/t"},
    {"docker secrets convention", {"env", "POSTGRES_PASSWORD_FILE=/run/secrets/db", "postgres"},
     "env POSTGRES_PASSWORD_FILE=/run/secrets/db postgres"},
    {"program flags end at the next command", {"sh", "-c", "redis-cli ping && rsync -a /src /dst"},
     "sh -c redis-cli ping && rsync -a /src /dst"},
    {"host:port named like a key", {"kc", "keycloak:8080", "secrets-manager:443"}, "kc keycloak:8080 secrets-manager:443"},
    {"JSON without secrets", {"curl", "-d", "{\"user\":\"bob\",\"keyboard\":\"us\"}"},
     "curl -d {\"user\":\"bob\",\"keyboard\":\"us\"}"},
    {"not a JWT", {"echo", "eyJhbGciOi", "eyJ.a.b", "x.eyJhbGciOiJIUzI1NiJ9"}, "echo eyJhbGciOi eyJ.a.b x.eyJhbGciOiJIUzI1NiJ9"},
    {"not an AWS key", {"echo", "AKIAshort", "XAKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE1"},
     "echo AKIAshort XAKIAIOSFODNN7EXAMPLE AKIAIOSFODNN7EXAMPLE1"},
};

TEST(RedactCmdlineTest, AttackRunCases) {
  for (const RedactCase& c : kAttackCases) EXPECT_EQ(Redact(c.argv), c.label) << c.what;
}

// --- truncation and bytes ---

TEST(RedactCmdlineTest, TruncatesWithEllipsisWithinBudget) {
  EXPECT_EQ(R({"abcdefghij"}, 10), "abcdefghij");
  EXPECT_EQ(R({"abcdefghijk"}, 10), "abcdefg\xE2\x80\xA6");
  EXPECT_EQ(R({"abcdefghijk"}, 2), "ab");  // no room for the ellipsis
  EXPECT_EQ(R({"abc"}, 0), "");
  // Redaction happens before the cut: the secret never shows, even partly.
  std::string out = R({"app", "--password=Hunter2Hunter2"}, 20);
  EXPECT_EQ(out, "app --password=<r\xE2\x80\xA6");
  EXPECT_EQ(out.find("Hunter"), std::string::npos);
}

TEST(RedactCmdlineTest, NeverSplitsUtf8AtTheCut) {
  // "ab" + U+00E9 (2 bytes) + U+20AC (3 bytes) + U+1F600 (4 bytes).
  const std::string s = "ab\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  for (std::size_t max = 0; max <= s.size() + 1; ++max) {
    std::string out = RedactCmdline(s, RedactionRules::Defaults(), max);
    ASSERT_LE(out.size(), max);
    if (max >= s.size()) {
      EXPECT_EQ(out, s);
      continue;
    }
    if (max < 3) {
      EXPECT_EQ(out, s.substr(0, max));  // no room for the ellipsis; ASCII so far
      continue;
    }
    std::string kept = out.substr(0, out.size() - 3);
    EXPECT_EQ(out.substr(out.size() - 3), "\xE2\x80\xA6");
    EXPECT_TRUE(kept == "" || kept == "a" || kept == "ab" || kept == "ab\xC3\xA9" || kept == "ab\xC3\xA9\xE2\x82\xAC")
        << "max=" << max << " kept=" << kept;
  }
}

TEST(RedactCmdlineTest, InvalidUtf8PassesThrough) {
  // Stray continuation bytes and a lone lead byte are kept as they are.
  const std::string s = std::string("x\x80\x80\xFF y\xC3", 7);
  EXPECT_EQ(RedactCmdline(s, RedactionRules::Defaults(), 256), s);
  // A cut just after a lone lead byte drops it (it would start a split sequence);
  // stray continuation bytes are not a sequence and may be cut between.
  EXPECT_EQ(RedactCmdline(std::string("abcd\xE2zzzz"), RedactionRules::Defaults(), 8), "abcd\xE2\x80\xA6");
  EXPECT_EQ(RedactCmdline(std::string("ab\x80\x80\x80\x80\x80\x80zz"), RedactionRules::Defaults(), 8),
            "ab\x80\x80\x80\xE2\x80\xA6");
}

TEST(RedactCmdlineTest, OneMebibyteIsLinearAndTruncated) {
  // Worst-ish cases for a scanner: many short secret pairs, one giant word of
  // '=' and '?', and one giant argument; each 1 MiB.
  std::string pairs;
  while (pairs.size() < (1u << 20)) pairs += "PASSWORD=x\0--token\0y\0"s;
  std::string equals(1u << 20, '=');
  std::string mixed;
  while (mixed.size() < (1u << 20)) mixed += "a?b=c&key=d://u:p@";
  std::string one_arg = "cmd\0"s + std::string(1u << 20, 'A');
  for (const std::string* raw : {&pairs, &equals, &mixed, &one_arg}) {
    auto start = std::chrono::steady_clock::now();
    std::string out = RedactCmdline(*raw, RedactionRules::Defaults(), 4096);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LE(out.size(), 4096u);
    EXPECT_EQ(out.substr(out.size() - 3), "\xE2\x80\xA6");
    // Linear is ~10 ms (~1 s under ASan); quadratic would be minutes. Generous to never flake.
    EXPECT_LT(ms, 10000) << "quadratic?";
  }
  // A budget larger than the output keeps it all, redacted.
  std::string all = RedactCmdline(pairs, RedactionRules::Defaults(), std::size_t(64) << 20);
  EXPECT_EQ(all.find(" x"), std::string::npos);
  EXPECT_EQ(all.find(" y"), std::string::npos);
  EXPECT_NE(all.find("PASSWORD=<redacted> --token <redacted> PASSWORD=<redacted>"), std::string::npos);
}

TEST(RedactCmdlineTest, RandomInputsKeepBudgetAndPrefixProperty) {
  // Fragments that trigger every rule, glued at random with random bytes.
  const std::vector<std::string> pieces = {
      "-p", "--password", "=", ":", "://", "@", "'", "\"", " ", std::string(1, '\0'), "&", "?", ",", "TOKEN",
      "Authorization:", "redis-cli", "-a", "x", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\x80", "\xFF", "5"};
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string raw;
    int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) raw += pieces[rng() % pieces.size()];
    std::string full = RedactCmdline(raw, RedactionRules::Defaults(), std::size_t(1) << 30);
    std::size_t max = rng() % (full.size() + 8);
    std::string out = RedactCmdline(raw, RedactionRules::Defaults(), max);
    ASSERT_LE(out.size(), max) << iter;
    if (full.size() <= max) {
      ASSERT_EQ(out, full) << iter;
      continue;
    }
    std::string kept = out;
    if (max >= 3) {
      ASSERT_EQ(out.substr(out.size() - 3), "\xE2\x80\xA6") << iter;
      kept.resize(out.size() - 3);
    }
    // The cut output is a prefix of the uncut one (the early stop changes nothing)
    ASSERT_EQ(full.compare(0, kept.size(), kept), 0) << iter;
    // and drops at most 3 bytes more than the budget forces, only to keep a sequence whole.
    std::size_t room = max >= 3 ? max - 3 : max;
    ASSERT_LE(room - kept.size(), 3u) << iter;
    if (kept.size() < room) {
      auto lead = static_cast<unsigned char>(full[kept.size()]);
      ASSERT_GE(lead, 0xC0) << iter;
    }
  }
}

// --- a command line read only in part (read_cut) ---

// The first `bytes` of a whole command line, as a probe with that read budget sees it.
std::string Head(const std::string& raw, std::size_t bytes) { return raw.substr(0, bytes); }

// `raw` cut right after the first occurrence of `after`.
std::string CutAfter(const std::string& raw, const std::string& after) {
  std::size_t at = raw.find(after);
  EXPECT_NE(at, std::string::npos) << after;
  return raw.substr(0, at + after.size());
}

std::string Cut(const std::string& head, std::size_t max_bytes = 256) {
  return RedactCmdline(head, RedactionRules::Defaults(), max_bytes, /*read_cut=*/true);
}
std::string Uncut(const std::string& head, std::size_t max_bytes = 256) {
  return RedactCmdline(head, RedactionRules::Defaults(), max_bytes, /*read_cut=*/false);
}

TEST(RedactCmdlineCutReadTest, UrlSecretsCutBeforeTheirEndAreDropped) {
  // Rule 4 needs the '@' after the secret: without it the start of the secret
  // looks like a host and would be shown (the Uncut lines: what a cut read
  // gave before it was known to be cut).
  const std::string token = Cmdline({"curl", "https://ghp_TOKEN1234@github.com/x", "-o", "out"});
  EXPECT_EQ(Uncut(CutAfter(token, "https://ghp_TOK")), "curl https://ghp_TOK");
  EXPECT_EQ(Cut(CutAfter(token, "https://ghp_TOK")), "curl \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(token, "github.com/x")), "curl \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(token, "github.com/x"s + '\0')), "curl https://<redacted>@github.com/x \xE2\x80\xA6");

  const std::string userinfo = Cmdline({"app", "--db", "postgres://app:s3cret@db:5432/x"});
  EXPECT_EQ(Uncut(CutAfter(userinfo, ":s3c")), "app --db postgres://app:s3c");
  EXPECT_EQ(Cut(CutAfter(userinfo, ":s3c")), "app --db \xE2\x80\xA6");

  // The password runs to the LAST '@': a cut between two of them would show its tail.
  const std::string two_ats = Cmdline({"app", "amqp://guest:p@ssw0rd@rabbit/vhost"});
  EXPECT_EQ(Uncut(CutAfter(two_ats, "p@ssw0")), "app amqp://guest:<redacted>@ssw0");
  EXPECT_EQ(Cut(CutAfter(two_ats, "p@ssw0")), "app \xE2\x80\xA6");

  const std::string redis = Cmdline({"worker", "redis://:hunter2@cache:6379/0"});
  EXPECT_EQ(Uncut(CutAfter(redis, ":hun")), "worker redis://:hun");
  EXPECT_EQ(Cut(CutAfter(redis, ":hun")), "worker \xE2\x80\xA6");

  // The same inside one argument of several words (sh -c): only the cut word goes.
  const std::string script = Cmdline({"sh", "-c", "git clone https://x-token:ghs_SECRET@github.com/o/r && make"});
  EXPECT_EQ(Uncut(CutAfter(script, "ghs_SEC")), "sh -c git clone https://x-token:ghs_SEC");
  EXPECT_EQ(Cut(CutAfter(script, "ghs_SEC")), "sh -c git clone \xE2\x80\xA6");
}

TEST(RedactCmdlineCutReadTest, FlagValuesCutOrCutAway) {
  // Rules 1-3 hide a value from its first byte, so these never showed a
  // secret; the cut word still goes, and the label says the line went on.
  const std::string eq = Cmdline({"app", "--password=Hunter2Hunter2", "--verbose"});
  EXPECT_EQ(Uncut(CutAfter(eq, "=Hun")), "app --password=<redacted>");
  EXPECT_EQ(Cut(CutAfter(eq, "=Hun")), "app \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(eq, "--passw")), "app \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(eq, "Hunter2Hunter2"s + '\0')), "app --password=<redacted> \xE2\x80\xA6");

  // A value-taking flag whose value was cut, or cut away entirely.
  const std::string sep = Cmdline({"sshpass", "-p", "Hunter2", "ssh", "host"});
  EXPECT_EQ(Cut(CutAfter(sep, "Hun")), "sshpass -p \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(sep, "-p"s + '\0')), "sshpass -p \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(sep, "-p")), "sshpass \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(sep, "Hunter2"s + '\0')), "sshpass -p <redacted> \xE2\x80\xA6");
  // The flag is the last complete word and its value is a separate word of the same argument.
  const std::string inline_flag = Cmdline({"bash", "-c", "mysql -p Hunter2 -h db"});
  EXPECT_EQ(Cut(CutAfter(inline_flag, "-p H")), "bash -c mysql -p \xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(inline_flag, "Hunter2 ")), "bash -c mysql -p <redacted> \xE2\x80\xA6");
  // A value that is a whole argument with spaces, cut inside: what was read of it stays hidden.
  const std::string spaced = Cmdline({"app", "--password", "correct horse battery", "run"});
  EXPECT_EQ(Cut(CutAfter(spaced, "horse bat")), "app --password <redacted> \xE2\x80\xA6");
  // A header value and an unclosed quote hide the rest of what was read.
  const std::string header = Cmdline({"curl", "-H", "Authorization: Bearer abc def", "https://api"});
  EXPECT_EQ(Cut(CutAfter(header, "Bearer ab")), "curl -H Authorization: <redacted> \xE2\x80\xA6");
  const std::string quoted = Cmdline({"sh", "-c", "run --token 'a b c' next"});
  EXPECT_EQ(Cut(CutAfter(quoted, "'a b")), "sh -c run --token <redacted> \xE2\x80\xA6");
  // A program-specific flag needs argv[0]: a cut inside it leaves nothing.
  EXPECT_EQ(Cut(CutAfter(Cmdline({"redis-cli", "-a", "pw"}), "redis-c")), "\xE2\x80\xA6");
  EXPECT_EQ(Cut(CutAfter(Cmdline({"redis-cli", "-a", "pw"}), "-a"s + '\0' + "p")), "redis-cli -a \xE2\x80\xA6");
}

TEST(RedactCmdlineCutReadTest, MarkerAndBudget) {
  // Nothing left but the mark; a line that fills the label looks as if read whole.
  EXPECT_EQ(Cut("x"), "\xE2\x80\xA6");
  EXPECT_EQ(Cut(""), "\xE2\x80\xA6");
  EXPECT_EQ(Cut("abc", 2), "");  // no room for the mark, as for any cut
  EXPECT_EQ(Cut("ab\0c"s, 2), "ab");
  EXPECT_EQ(Cut("sleep\0" "100\0"s), "sleep 100 \xE2\x80\xA6");
  // Trailing empty arguments are padding; a setproctitle string is cut at its last blank.
  EXPECT_EQ(Cut("sleep\0" "100\0\0\0"s), "sleep 100 \xE2\x80\xA6");
  EXPECT_EQ(Cut("postgres: app orders 10.0.0.7(512"), "postgres: app orders \xE2\x80\xA6");
  std::string many;
  for (int i = 0; i < 200; ++i) many += "arg" + std::to_string(i) + '\0';
  for (std::size_t max : {16u, 40u, 100u}) {
    for (std::size_t bytes = max + 1; bytes < many.size(); bytes += 7)
      ASSERT_EQ(Cut(Head(many, bytes), max), Uncut(many, max)) << max << " " << bytes;
  }
  // Exactly full before the cut word: the same as the whole line, mark and all.
  EXPECT_EQ(Cut("abcdefg\0hij"s, 10), Uncut("abcdefg\0hijklmnop"s, 10));
  EXPECT_EQ(Cut("abcdefg\0hij"s, 10), "abcdefg\xE2\x80\xA6");
  // A character the read cut in two is in the dropped word.
  EXPECT_EQ(Cut("ab\0\xE2\x82"s), "ab \xE2\x80\xA6");
}

TEST(RedactCmdlineCutReadTest, ACutArgumentIsJudgedAsTheWholeOne) {
  // After a secret-named switch, an argument starting with '-' is the next
  // option, not its value; "-" alone is a value. The argument "- x" cut after
  // "- " must stay an option (found by fuzz_text: the cut made it "-").
  const std::string raw = Cmdline({"app", "--db-token", "- x", "y"});
  EXPECT_EQ(Uncut(raw), "app --db-token - x y");
  EXPECT_EQ(Cut(CutAfter(raw, "- ")), "app --db-token - \xE2\x80\xA6");
  EXPECT_EQ(Uncut(Cmdline({"app", "--db-token", "-", "y"})), "app --db-token <redacted> y");
}

// The property the read budget rests on: for every cut of a command line, the
// label of the cut read is, but for its mark, a prefix of the label of the
// whole line; so a cut read never shows what the whole line's label hides.
// Without dropping the cut word this fails at once (URL and quote fragments).
// Random lines glued from `pieces`, each cut at every byte: the label of the
// cut read is a prefix of the whole line's label.
void ExpectEveryCutShowsAPrefix(const std::vector<std::string>& pieces, unsigned seed) {
  const std::string mark = "\xE2\x80\xA6";
  std::mt19937 rng(seed);
  std::size_t cuts = 0, shown = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string raw;
    int n = 1 + static_cast<int>(rng() % 30);
    for (int k = 0; k < n; ++k) raw += pieces[rng() % pieces.size()];
    const std::string full = Uncut(raw, std::size_t(1) << 30);
    for (std::size_t bytes = 0; bytes < raw.size(); ++bytes) {
      std::string out = Cut(raw.substr(0, bytes), std::size_t(1) << 30);
      ASSERT_GE(out.size(), mark.size()) << iter;
      ASSERT_EQ(out.substr(out.size() - mark.size()), mark) << iter << " " << bytes;
      std::string kept = out.substr(0, out.size() - mark.size());
      if (!kept.empty()) {
        ASSERT_EQ(kept.back(), ' ') << iter << " " << bytes;
        kept.pop_back();
      }
      ASSERT_EQ(full.compare(0, kept.size(), kept), 0)
          << "iter " << iter << " cut at " << bytes << "\nwhole: " << full << "\ncut:   " << out;
      ++cuts;
      shown += kept.size();
    }
  }
  EXPECT_GT(cuts, 10000u);
  EXPECT_GT(shown, cuts);  // most cuts show something: the test is not vacuous
}

TEST(RedactCmdlineCutReadTest, RandomCutsShowOnlyAPrefixOfTheWholeLabel) {
  ExpectEveryCutShowsAPrefix(
      {"-p", "--password", "--token", "--db-token", "-", "=", ":", "://", "http", "https://", "@", "'", "\"", " ", "\t",
       std::string(1, '\0'), std::string(1, '\0'), "&", "?", ",", "TOKEN", "PASSWORD=", "Authorization:",
       "redis-cli", "-a", "x", "y9", "\xC3\xA9", "\xE2\x82\xAC", "\x80", "5", "sh", "-c"},
      4242);
}

// The same for the fragments of the rules added after the attack run: names
// before a blank, ':' or ';', JSON pairs, auth schemes, programs named later,
// shapes of tokens.
TEST(RedactCmdlineCutReadTest, RandomCutsOfNewerRulesShowOnlyAPrefix) {
  ExpectEveryCutShowsAPrefix(
      {"Password", "token", "X-Auth-Token:", "Authorization:", "Bearer", "password:", "=", ":", ";", " ", "  ",
       std::string(1, '\0'), std::string(1, '\0'), "'", "\"", "{", "}", ",", "\"password\":", "\"key\"", "\\",
       "curl", "-u", "redis-cli", "-a", "&&", "|", "ping;", "aws_secret_access_key", "--passphrase",
       "eyJhbGciOiJIUzI1NiJ9", ".", "eyJ4", "AKIA", "IOSFODNN7EXAMPLE", "-", "x", "y9", "-file", "\xC3\xA9"},
      777);
}

}  // namespace
}  // namespace proctree
