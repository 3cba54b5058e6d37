// Micro benchmarks for where one scrape's CPU goes: parsing the /proc files,
// turning samples into families, serializing the text format, gzip; plus the
// probe's full scan and a whole in-process Scrape() on this host's real /proc.
// Run: build/tests/bench/micro_bench [--benchmark_filter=REGEX]
// Not a ctest test: timings are only meaningful on a quiet machine. The
// side-by-side HTTP benchmark is tests/bench/scrape_bench.py (`make bench`);
// results and the breakdown are in docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/http/gzip.h"
#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/process_families.h"
#include "exporter/scrape/scraper.h"
#include "probes/os/linux/linux_probe.h"
#include "probes/os/linux/proc_parsers.h"
#include "probes/user_names.h"

// The exporter moved from prometheus-cpp's MetricFamily + TextSerializer to a
// direct text writer (1d0fe99); benchmark whichever one this tree has, so the
// file also builds when bisecting across that change.
#if __has_include("exporter/metrics/text_writer.h")
#define PROCTREE_BENCH_TEXT_WRITER 1
#include <chrono>
#include <numeric>

#include "exporter/scrape/runtime_config.h"
#include "exporter/metrics/text_writer.h"
#include "exporter/metrics/tree_families.h"
#include "probes/tree/auto_groups.h"
#include "probes/tree/process_tree.h"
#include "probes/tree/tree_aggregation.h"
#else
#define PROCTREE_BENCH_TEXT_WRITER 0
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#endif

namespace proctree {
namespace {

namespace lp = linux_proc;

// /proc/self/stat of a python3 process, captured verbatim (tabs included).
constexpr std::string_view kStatText = R"PROC(16706 (python3) R 16703 16703 4249 0 -1 4194304 2842 6549 0 0 8 6 17 27 20 0 1 0 185015 16961536 3338 18446744073709551615 94813695541248 94813695541589 140733798698560 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0 94813695552944 94813695553560 94814370209792 140733798701025 140733798701068 140733798701068 140733798703055 0
)PROC";

// /proc/self/status of a python3 process, captured verbatim (tabs included).
constexpr std::string_view kStatusText = R"PROC(Name:	python3
Umask:	0022
State:	R (running)
Tgid:	16706
Ngid:	0
Pid:	16706
PPid:	16703
TracerPid:	0
Uid:	0	0	0	0
Gid:	0	0	0	0
FDSize:	256
Groups:	 
NStgid:	16706
NSpid:	16706
NSpgid:	16703
NSsid:	4249
Kthread:	0
VmPeak:	   16564 kB
VmSize:	   16564 kB
VmLck:	       0 kB
VmPin:	       0 kB
VmHWM:	   13520 kB
VmRSS:	   13520 kB
RssAnon:	    6880 kB
RssFile:	    6640 kB
RssShmem:	       0 kB
VmData:	    7944 kB
VmStk:	     132 kB
VmExe:	       4 kB
VmLib:	    4672 kB
VmPTE:	      72 kB
VmSwap:	       0 kB
HugetlbPages:	       0 kB
CoreDumping:	0
THP_enabled:	1
untag_mask:	0xffffffffffffffff
Threads:	1
SigQ:	3/96364
SigPnd:	0000000000000000
ShdPnd:	0000000000000000
SigBlk:	0000000000000000
SigIgn:	0000000001001000
SigCgt:	0000000000000002
CapInh:	0000000000000000
CapPrm:	000001fffeffffff
CapEff:	000001fffeffffff
CapBnd:	000001fffeffffff
CapAmb:	0000000000000000
NoNewPrivs:	0
Seccomp:	0
Seccomp_filters:	0
Speculation_Store_Bypass:	vulnerable
SpeculationIndirectBranch:	always enabled
Cpus_allowed:	3
Cpus_allowed_list:	0-1
Mems_allowed:	00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001
Mems_allowed_list:	0
voluntary_ctxt_switches:	15
nonvoluntary_ctxt_switches:	27
)PROC";



// /proc/self/io of a python3 process, captured verbatim (tabs included).
constexpr std::string_view kIoText = R"PROC(rchar: 1687958
wchar: 2056
syscr: 1038
syscw: 30
read_bytes: 0
write_bytes: 0
cancelled_write_bytes: 0
)PROC";

// /proc/self/limits of a python3 process, captured verbatim (tabs included).
constexpr std::string_view kLimitsText = R"PROC(Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96364                96364                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96364                96364                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
)PROC";

// ---------------------------------------------------------------------------
// (a) the parsers, on real file contents

void BM_ParseStat(benchmark::State& state) {
  for (auto _ : state) {
    lp::StatFields f;
    bool ok = lp::ParseStat(kStatText, &f);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kStatText.size()));
}
BENCHMARK(BM_ParseStat)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_ParseStatus(benchmark::State& state) {
  for (auto _ : state) {
    lp::StatusFields f;
    bool ok = lp::ParseStatus(kStatusText, &f);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kStatusText.size()));
}
BENCHMARK(BM_ParseStatus)->Repetitions(5)->ReportAggregatesOnly(true);



void BM_ParseIo(benchmark::State& state) {
  for (auto _ : state) {
    lp::IoFields f;
    bool ok = lp::ParseIo(kIoText, &f);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kIoText.size()));
}
BENCHMARK(BM_ParseIo)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_ParseLimits(benchmark::State& state) {
  for (auto _ : state) {
    std::optional<std::uint64_t> soft;
    bool ok = lp::ParseLimitsMaxOpenFiles(kLimitsText, &soft);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(soft);
  }
}
BENCHMARK(BM_ParseLimits)->Repetitions(5)->ReportAggregatesOnly(true);

// ---------------------------------------------------------------------------
// (b)-(d) families, serialization, gzip for N synthetic processes, every field set

std::vector<ProcessSample> SyntheticSamples(int n) {
  static const char* const kComms[] = {"systemd",  "kworker/3:1-events", "sshd",  "postgres", "nginx",
                                       "python3",  "containerd-shim",    "java",  "bash",     "sleep",
                                       "node",     "(sd-pam)",           "Web Content"};
  std::vector<ProcessSample> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    ProcessSample& s = out[static_cast<std::size_t>(i)];
    const auto u = static_cast<std::uint64_t>(i);
    s.pid = 1000 + i;
    s.ppid = i == 0 ? 1 : 1000 + (i - 1) / 8;  // a tree 8 wide
    s.comm = kComms[static_cast<std::size_t>(i) % (sizeof kComms / sizeof kComms[0])];
    s.state = i % 50 == 0 ? ProcessState::kRunning : ProcessState::kSleeping;
    s.start_time_ticks = 180000 + u * 37;
    s.start_time_seconds = 1764000000.0 + static_cast<double>(s.start_time_ticks) / 100;
    // Tick-based values with fractions, as /proc gives them (1/100 s).
    s.cpu_user_seconds.set(static_cast<double>(u * 1237 % 100000) / 100);
    s.cpu_system_seconds.set(static_cast<double>(u * 311 % 50000) / 100);
    s.children_user_seconds.set(static_cast<double>(u * 7 % 1000) / 100);
    s.children_system_seconds.set(static_cast<double>(u * 3 % 1000) / 100);
    s.blkio_delay_seconds.set(static_cast<double>(u % 17) / 100);
    s.minor_faults.set(2000 + u * 7919);
    s.major_faults.set(u % 13);
    s.threads.set(1 + i % 9);
    s.nice.set(i % 5 == 0 ? -5 : 0);
    s.uid.set(i % 4 == 0 ? 1000u : 0u);
    s.voluntary_ctxt_switches.set(100 + u * 101);
    s.involuntary_ctxt_switches.set(u * 3);
    s.memory_swap_bytes.set(0);
    s.memory_rss_bytes.set((400 + u * 97 % 100000) * 4096);
    s.memory_vms_bytes.set((4000 + u * 991 % 1000000) * 4096);
    s.memory_shared_bytes.set((300 + u * 13 % 5000) * 4096);
    s.memory_text_bytes.set(5 * 4096);
    s.memory_data_bytes.set((120 + u * 17 % 50000) * 4096);
    s.io_read_bytes.set(u * 4096 * 11);
    s.io_write_bytes.set(u * 4096 * 3);
    s.io_read_chars.set(6976 + u * 12345);
    s.io_write_chars.set(u * 2345);
    s.io_read_syscalls.set(10 + u * 7);
    s.io_write_syscalls.set(u * 5);
    s.open_fds.set(3 + u % 40);
    s.max_fds.set(1024);
  }
  return out;
}

#if PROCTREE_BENCH_TEXT_WRITER

std::vector<int> AllRows(const std::vector<ProcessSample>& ps) {
  std::vector<int> rows(ps.size());
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

// (b)+(c) in one: the writer formats straight into the payload string.
std::string WriteAll(const std::vector<ProcessSample>& ps, const EnabledFamilies& enabled, UserNames& users) {
  std::string out;
  // As Scraper::Scrape does. Unreserved, the string's regrowth costs ~20x more on a PVM guest.
  out.reserve(4096 + ps.size() * 3072);
  TextWriter w(&out);
  WriteProcessFamilies(ps, AllRows(ps), ProcessLabelPrefixes(ps), enabled, users, w);
  return out;
}

void BM_WriteProcessFamilies(benchmark::State& state) {
  const auto ps = SyntheticSamples(static_cast<int>(state.range(0)));
  const auto enabled = EnabledFamilies::All();
  UserNames users;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = WriteAll(ps, enabled, users);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["payload_bytes"] = static_cast<double>(bytes);
  state.counters["processes"] = static_cast<double>(ps.size());
}
BENCHMARK(BM_WriteProcessFamilies)->Arg(2000)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

// The tree families the scraper adds: build the tree, aggregate, write.
void BM_WriteTreeFamilies(benchmark::State& state) {
  const auto ps = SyntheticSamples(static_cast<int>(state.range(0)));
  const auto enabled = EnabledFamilies::All();
  const auto prefixes = ProcessLabelPrefixes(ps);
  const auto rows = AllRows(ps);
  TreeAggregator aggregator;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    TextWriter w(&out);
    const ProcessTree tree = ProcessTree::Build(ps);
    TreeAggregator::Result agg =
        aggregator.Aggregate(ps, tree, RootsWithChildren(tree), AutoGroups(ps, tree));
    WriteTreeFamilies(ps, rows, prefixes, tree, agg, kDefaultMaxAncestorDepth, enabled, w);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["payload_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_WriteTreeFamilies)->Arg(2000)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

std::string Payload(int n) {
  UserNames users;
  return WriteAll(SyntheticSamples(n), EnabledFamilies::All(), users);
}

#else  // prometheus-cpp MetricFamily + TextSerializer

std::vector<prometheus::MetricFamily> BuildFamilies(const std::vector<ProcessSample>& ps,
                                                    const EnabledFamilies& enabled, UserNames& users) {
  ScanResult scan;
  scan.processes = ps;
  std::vector<prometheus::MetricFamily> fams;
  AppendProcessFamilies(scan, enabled, users, &fams);
  return fams;
}

std::string Serialize(const std::vector<prometheus::MetricFamily>& fams) {
  std::ostringstream os;
  prometheus::TextSerializer().Serialize(os, fams);
  return os.str();  // Scraper::Scrape copies the stream's buffer out the same way under C++17
}

std::size_t SeriesCount(const std::vector<prometheus::MetricFamily>& fams) {
  std::size_t n = 0;
  for (const auto& f : fams) n += f.metric.size();
  return n;
}

void BM_BuildFamilies(benchmark::State& state) {
  const auto ps = SyntheticSamples(static_cast<int>(state.range(0)));
  const auto enabled = EnabledFamilies::All();
  UserNames users;
  ScanResult scan;
  scan.processes = ps;
  std::size_t series = 0;
  for (auto _ : state) {
    std::vector<prometheus::MetricFamily> fams;
    AppendProcessFamilies(scan, enabled, users, &fams);
    series = SeriesCount(fams);
    benchmark::DoNotOptimize(fams);
  }  // the families' destruction is inside the timing, as in a scrape
  state.counters["series"] = static_cast<double>(series);
  state.counters["processes"] = static_cast<double>(ps.size());
}
BENCHMARK(BM_BuildFamilies)->Arg(2000)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_TextSerialize(benchmark::State& state) {
  UserNames users;
  const auto fams = BuildFamilies(SyntheticSamples(static_cast<int>(state.range(0))), EnabledFamilies::All(), users);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = Serialize(fams);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["payload_bytes"] = static_cast<double>(bytes);
  state.counters["series"] = static_cast<double>(SeriesCount(fams));
}
BENCHMARK(BM_TextSerialize)->Arg(2000)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

std::string Payload(int n) {
  UserNames users;
  return Serialize(BuildFamilies(SyntheticSamples(n), EnabledFamilies::All(), users));
}

#endif

void BM_Gzip(benchmark::State& state) {
  const std::string payload = Payload(static_cast<int>(state.range(0)));
  std::size_t gz_bytes = 0;
  for (auto _ : state) {
    std::string gz;  // fresh, as the HTTP handler does per response
    bool ok = GzipCompress(payload, &gz);
    gz_bytes = gz.size();
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(gz);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
  state.counters["payload_bytes"] = static_cast<double>(payload.size());
  state.counters["gzip_bytes"] = static_cast<double>(gz_bytes);
}
BENCHMARK(BM_Gzip)->Arg(2000)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

// ---------------------------------------------------------------------------
// The probe and a whole scrape on this host's /proc (however many processes it
// has now: start idle ones first to benchmark a bigger host). CPU time is the
// calling thread's; both are single-threaded.

const char* ProcRoot() {
  const char* env = std::getenv("PROCTREE_BENCH_PROCFS");
  return env && *env ? env : "/proc";
}

std::unique_ptr<LinuxProbe> OpenProbe(benchmark::State& state) {
  std::string error;
  auto probe = LinuxProbe::Open(ProcRoot(), &error);
  if (!probe) state.SkipWithError(error.c_str());
  return probe;
}

void BM_ProbeScan(benchmark::State& state) {
  auto probe = OpenProbe(state);
  if (!probe) return;
  const ScanRequest req;  // every group: stat, status, io, fd, limits
  std::size_t procs = 0, total = 0;
  for (auto _ : state) {
    ScanErrors errors;
    ScanResult r = probe->Scan(req, errors);
    procs = r.processes.size();
    total += procs;
    benchmark::DoNotOptimize(r);
  }
  state.counters["processes"] = static_cast<double>(procs);
  state.counters["per_process"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ProbeScan)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

// A process with 1.1 MiB of arguments (a `sh -c 'read x'` child of the
// benchmark) while a cmdline label is configured: its command line read whole
// (Arg 0: before the label's read budget, and still when a selector's regex
// needs it) or to CmdlineLabelReadBytes(256) (Arg 1). Alone, in a proc root of
// symlinks to /proc/stat and /proc/<pid>; and with the rest of this host. The
// child lives for one benchmark, so it is not in the others' process counts.
class HugeCmdlineChild {
 public:
  HugeCmdlineChild() {
    std::vector<std::string> args = {"sh", "-c", "read x", "sh"};
    for (std::size_t total = 0; total < 1100 * 1024; total += args.back().size() + 1)
      args.push_back("pad" + std::to_string(args.size()) + std::string(1000, 'x'));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    char tmpl[] = "/tmp/proctree-bench-XXXXXX";
    if (::pipe(fds) != 0 || !::mkdtemp(tmpl)) {
      error_ = "pipe or mkdtemp failed";
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[0], 0);
      ::close(fds[1]);
      ::execv("/bin/sh", argv.data());
      ::_exit(127);
    }
    ::close(fds[0]);
    stdin_ = fds[1];
    dir_ = tmpl;
    root_ = dir_ + "/proc";
    const std::string pid_dir = "/proc/" + std::to_string(pid_);
    if (pid_ < 0 || ::mkdir(root_.c_str(), 0700) != 0 || ::symlink("/proc/stat", (root_ + "/stat").c_str()) != 0 ||
        ::symlink(pid_dir.c_str(), (root_ + "/" + std::to_string(pid_)).c_str()) != 0) {
      error_ = "cannot start the child or make its proc root (ARG_MAX below 1.1 MiB?)";
      return;
    }
    // Until the exec has happened the child's cmdline is the benchmark's.
    for (int i = 0; i < 3000; ++i) {
      std::ifstream in(pid_dir + "/cmdline", std::ios::binary);
      std::string head(6, '\0');
      in.read(head.data(), 6);
      if (head == std::string("sh\0-c\0", 6)) return;
      ::usleep(10000);
    }
    error_ = "the child did not exec /bin/sh";
  }
  HugeCmdlineChild(const HugeCmdlineChild&) = delete;
  HugeCmdlineChild& operator=(const HugeCmdlineChild&) = delete;
  ~HugeCmdlineChild() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) {
      ::unlink((root_ + "/stat").c_str());
      ::unlink((root_ + "/" + std::to_string(pid_)).c_str());
      ::rmdir(root_.c_str());
      ::rmdir(dir_.c_str());
    }
  }
  const std::string& root() const { return root_; }
  const std::string& error() const { return error_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::string dir_, root_, error_;
};

void ScanWithHugeCmdline(benchmark::State& state, const std::string& root) {
  std::string error;
  auto probe = LinuxProbe::Open(root, &error);
  if (!probe) {
    state.SkipWithError(error.c_str());
    return;
  }
  ScanRequest req;  // every group, as BM_ProbeScan, plus the command line
  if (state.range(0) == 1) req.cmdline_max_bytes = CmdlineLabelReadBytes(256);
  std::size_t procs = 0, cmdline_bytes = 0;
  for (auto _ : state) {
    ScanErrors errors;
    ScanResult r = probe->Scan(req, errors);
    procs = r.processes.size();
    cmdline_bytes = 0;
    for (const auto& p : r.processes) cmdline_bytes += p.cmdline.has_value() ? p.cmdline.value.size() : 0;
    benchmark::DoNotOptimize(r);
  }
  state.counters["processes"] = static_cast<double>(procs);
  state.counters["cmdline_bytes"] = static_cast<double>(cmdline_bytes);
}

void BM_ProbeScanHugeCmdlineAlone(benchmark::State& state) {
  const HugeCmdlineChild child;
  if (!child.error().empty()) return state.SkipWithError(child.error().c_str());
  ScanWithHugeCmdline(state, child.root());
}
BENCHMARK(BM_ProbeScanHugeCmdlineAlone)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_ProbeScanHugeCmdlineOnHost(benchmark::State& state) {
  const HugeCmdlineChild child;
  if (!child.error().empty()) return state.SkipWithError(child.error().c_str());
  ScanWithHugeCmdline(state, ProcRoot());
}
BENCHMARK(BM_ProbeScanHugeCmdlineOnHost)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Repetitions(5)
    ->ReportAggregatesOnly(true);

#if PROCTREE_BENCH_TEXT_WRITER
// What a scrape is given: the embedded default config.
std::shared_ptr<const RuntimeConfig> ScrapeConfig(benchmark::State& state) {
  std::string error;
  auto rc = LoadRuntimeConfig("", &error);
  if (!rc) state.SkipWithError(error.c_str());
  return rc;
}
#else  // before the config rework a scrape took the enabled families
std::shared_ptr<const EnabledFamilies> ScrapeConfig(benchmark::State&) {
  return std::make_shared<const EnabledFamilies>(EnabledFamilies::All());
}
#endif

void BM_Scrape(benchmark::State& state) {
  auto probe = OpenProbe(state);
  auto rc = ScrapeConfig(state);
  if (!probe || !rc) return;
  Scraper scraper(*probe, BuildInfo{"bench", "bench", "linux"});
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string payload = scraper.Scrape(*rc);
    bytes = payload.size();
    benchmark::DoNotOptimize(payload);
  }
  state.counters["payload_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Scrape)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_ScrapeGzip(benchmark::State& state) {
  auto probe = OpenProbe(state);
  auto rc = ScrapeConfig(state);
  if (!probe || !rc) return;
  Scraper scraper(*probe, BuildInfo{"bench", "bench", "linux"});
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string payload = scraper.Scrape(*rc);
    std::string gz;
    GzipCompress(payload, &gz);
    bytes = gz.size();
    benchmark::DoNotOptimize(gz);
  }
  state.counters["gzip_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ScrapeGzip)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace
}  // namespace proctree

BENCHMARK_MAIN();
