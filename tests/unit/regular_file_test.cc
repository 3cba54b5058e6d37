// ReadRegularFile (probes/util/regular_file.h) on real files, directories, FIFOs and
// devices; the caps a config's YAML aliases meet (config.h); a FIFO as a
// selector's pid_file. Each of these hung, aborted or was read as valid before.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "config/config.h"
#include "probes/util/regular_file.h"
#include "exporter/metrics/metric_catalog.h"
#include "tests/unit/temp_dir.h"

namespace proctree {
namespace {

using proctree::testing::TempDir;

RegularFileRead Read(const std::string& path, std::size_t max, std::string* out, std::string* reason) {
  return ReadRegularFile(path, max, out, reason);
}

TEST(ReadRegularFile, ReadsARegularFileUpToTheCapInclusive) {
  TempDir dir;
  std::string out, reason;
  EXPECT_EQ(Read(dir.file("a", "hello"), 5, &out, &reason), RegularFileRead::kOk) << reason;
  EXPECT_EQ(out, "hello");
  EXPECT_EQ(Read(dir.file("empty", ""), 5, &out, &reason), RegularFileRead::kOk) << reason;
  EXPECT_EQ(out, "");
  const std::string big(kMaxConfigFileBytes, 'x');
  EXPECT_EQ(Read(dir.file("cap", big), kMaxConfigFileBytes, &out, &reason), RegularFileRead::kOk) << reason;
  EXPECT_EQ(out.size(), kMaxConfigFileBytes);
}

TEST(ReadRegularFile, RefusesAFileOverTheCap) {
  TempDir dir;
  std::string out = "untouched", reason;
  EXPECT_EQ(Read(dir.file("a", "hello!"), 5, &out, &reason), RegularFileRead::kRejected);
  EXPECT_EQ(reason, "is larger than 5 bytes, the limit");
  EXPECT_EQ(out, "untouched");
}

TEST(ReadRegularFile, RefusesWhatIsNotARegularFile) {
  TempDir dir;
  const std::string fifo = (dir.path() / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const struct {
    std::string path, reason;
  } cases[] = {{dir.path().string(), "is a directory, not a regular file"},
               {fifo, "is a FIFO, not a regular file"},  // open() without O_NONBLOCK waits for a writer
               {"/dev/zero", "is a character device, not a regular file"},  // never ends
               {"/dev/null", "is a character device, not a regular file"}};
  for (const auto& c : cases) {
    std::string out, reason;
    EXPECT_EQ(Read(c.path, kMaxConfigFileBytes, &out, &reason), RegularFileRead::kRejected) << c.path;
    EXPECT_EQ(reason, c.reason) << c.path;
  }
}

// A Kubernetes ConfigMap mount is a chain of symlinks: followed, then judged by what they name.
TEST(ReadRegularFile, FollowsSymlinks) {
  TempDir dir;
  const std::string target = dir.file("real.yml", "groups: [a]\n");
  const std::string link = (dir.path() / "config.yml").string();
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  std::string out, reason;
  EXPECT_EQ(Read(link, kMaxConfigFileBytes, &out, &reason), RegularFileRead::kOk) << reason;
  EXPECT_EQ(out, "groups: [a]\n");
  const std::string fifo = (dir.path() / "fifo").string();
  const std::string to_fifo = (dir.path() / "to-fifo.yml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(::symlink(fifo.c_str(), to_fifo.c_str()), 0);
  EXPECT_EQ(Read(to_fifo, kMaxConfigFileBytes, &out, &reason), RegularFileRead::kRejected);
  EXPECT_EQ(reason, "is a FIFO, not a regular file");
}

TEST(ReadRegularFile, AMissingFileIsCannotOpenWithErrno) {
  std::string out, reason;
  EXPECT_EQ(Read("/nonexistent/x.yml", 5, &out, &reason), RegularFileRead::kCannotOpen);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(reason, "No such file or directory");
}

TEST(LoadConfigFile, NamesThePathOfWhatItRefuses) {
  TempDir dir;
  const std::string fifo = (dir.path() / "fifo.yml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string big = dir.file("big.yml", std::string(kMaxConfigFileBytes + 1, '#'));
  const ConfigSchemaContext ctx{CatalogNames()};
  Config cfg;
  std::string error;
  EXPECT_FALSE(LoadConfigFile(dir.path().string(), ctx, &cfg, &error));
  EXPECT_EQ(error, dir.path().string() + ": config file is a directory, not a regular file");
  EXPECT_FALSE(LoadConfigFile(fifo, ctx, &cfg, &error));
  EXPECT_EQ(error, fifo + ": config file is a FIFO, not a regular file");
  EXPECT_FALSE(LoadConfigFile("/dev/zero", ctx, &cfg, &error));
  EXPECT_EQ(error, "/dev/zero: config file is a character device, not a regular file");
  EXPECT_FALSE(LoadConfigFile(big, ctx, &cfg, &error));
  EXPECT_EQ(error, big + ": config file is larger than 1048576 bytes, the limit");
}

std::string Aliased(const std::string& key, const std::string& first, std::size_t count) {
  std::string yaml = key + ": [&a " + first;
  for (std::size_t i = 1; i < count; ++i) yaml += ", *a";
  return yaml + "]\n";
}

std::string ParseError(const std::string& yaml) {
  Config cfg;
  std::string error;
  EXPECT_FALSE(ParseConfig(yaml, "t.yml", ConfigSchemaContext{CatalogNames()}, &cfg, &error)) << yaml.substr(0, 200);
  return error;
}

TEST(ConfigCaps, AliasesCountEachTimeTheyAreUsed) {
  // 20,000 selectors of 6 nodes each, from 80 KB.
  EXPECT_EQ(ParseError(Aliased("processes", "{match: {comm: [x]}}", 20000)),
            "t.yml:1:1: the config expands to more than 100000 YAML nodes (an alias counts each time it is used)");
  // A cycle: without the count, an endless chain of ancestors.
  EXPECT_EQ(ParseError("processes:\n  - match: &m {comm: [x], ancestor: *m}\n"),
            "t.yml:1:1: the config expands to more than 100000 YAML nodes (an alias counts each time it is used)");
}

TEST(ConfigCaps, AliasedScalarsCountTheirBytesEachTime) {
  // 1,100 copies of a 1,000-byte name in one comm list: 1.1 MB from 5 KB, in 1,105 nodes.
  EXPECT_EQ(ParseError("processes:\n  - match:\n      " + Aliased("comm", std::string(1000, 'x'), 1100)),
            "t.yml:1:1: the config expands to more than 1048576 bytes of YAML scalars (an alias counts each time "
            "it is used)");
}

TEST(ConfigCaps, SelectorsAndGroups) {
  EXPECT_EQ(ParseError(Aliased("processes", "{match: {comm: [x]}}", kMaxSelectors + 1)),
            "t.yml:1:12: processes has 1001 selectors; at most 1000 are allowed");
  EXPECT_EQ(ParseError(Aliased("groups", "web", kMaxGroups + 1)),
            "t.yml:1:9: groups has 1001 entries; at most 1000 are allowed");
  Config cfg;
  std::string error;
  EXPECT_TRUE(ParseConfig(Aliased("processes", "{match: {comm: [x]}}", kMaxSelectors), "t.yml",
                          ConfigSchemaContext{CatalogNames()}, &cfg, &error))
      << error;
  EXPECT_EQ(cfg.processes.size(), kMaxSelectors);
}

}  // namespace
}  // namespace proctree
