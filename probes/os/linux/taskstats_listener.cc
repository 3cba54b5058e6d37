#include "probes/os/linux/taskstats_listener.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "probes/os/linux/taskstats_parser.h"

namespace proctree {

namespace {

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// A generic netlink request with one attribute.
struct Request {
  std::vector<char> bytes;
  Request(std::uint16_t family, std::uint8_t cmd, std::uint16_t attr, const void* payload, std::size_t len) {
    bytes.assign(NLMSG_ALIGN(NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + len), 0);
    auto* h = reinterpret_cast<nlmsghdr*>(bytes.data());
    h->nlmsg_len = static_cast<std::uint32_t>(bytes.size());
    h->nlmsg_type = family;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = 1;
    auto* g = reinterpret_cast<genlmsghdr*>(bytes.data() + NLMSG_HDRLEN);
    g->cmd = cmd;
    g->version = 1;
    auto* a = reinterpret_cast<nlattr*>(bytes.data() + NLMSG_HDRLEN + GENL_HDRLEN);
    a->nla_type = attr;
    a->nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
    std::memcpy(reinterpret_cast<char*>(a) + NLA_HDRLEN, payload, len);
  }
};

// Sends a request and reads replies until its ack; *family_id gets
// CTRL_ATTR_FAMILY_ID when a reply carries one. Returns 0 or an errno.
int Transact(int sock, const Request& req, std::uint16_t* family_id) {
  if (::send(sock, req.bytes.data(), req.bytes.size(), 0) < 0) return errno;
  alignas(nlmsghdr) char buf[8192];
  for (int rounds = 0; rounds < 16; ++rounds) {
    const ssize_t got = ::recv(sock, buf, sizeof buf, 0);
    if (got < 0) return errno;
    // Unsigned: NLMSG_OK compares it with the u32 nlmsg_len (clang's -Wsign-compare).
    auto n = static_cast<unsigned int>(got);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) return -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
      if (!family_id || h->nlmsg_type != GENL_ID_CTRL) continue;
      const char* p = reinterpret_cast<const char*>(h) + NLMSG_HDRLEN + GENL_HDRLEN;
      const char* end = reinterpret_cast<const char*>(h) + h->nlmsg_len;
      while (end - p >= static_cast<std::ptrdiff_t>(NLA_HDRLEN)) {
        const auto* a = reinterpret_cast<const nlattr*>(p);
        if (a->nla_len < NLA_HDRLEN) break;
        if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
          std::memcpy(family_id, p + NLA_HDRLEN, sizeof *family_id);
        p += NLA_ALIGN(a->nla_len);
      }
    }
  }
  return EPROTO;
}

int OpenSocket(std::uint64_t rcvbuf, std::string* why) {
  const int sock = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (sock < 0) {
    *why = Errno("netlink socket");
    return -1;
  }
  // SO_RCVBUFFORCE passes net.core.rmem_max; it needs CAP_NET_ADMIN, as the registration does.
  const int size = static_cast<int>(std::min<std::uint64_t>(rcvbuf, 1u << 30));
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  if (::setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0 ||
      ::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *why = Errno("taskstats socket setup (needs CAP_NET_ADMIN)");
    ::close(sock);
    return -1;
  }
  return sock;
}

// Resolves the TASKSTATS family and registers for every possible CPU's exits.
bool Register(int sock, std::string* why) {
  const char name[] = TASKSTATS_GENL_NAME;
  std::uint16_t family = 0;
  int err = Transact(sock, Request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, name, sizeof name), &family);
  if (err != 0 || family == 0) {
    *why = std::string("no taskstats family (CONFIG_TASKSTATS): ") + std::strerror(err ? err : ENOENT);
    return false;
  }
  const std::string cpus = PossibleCpuList();
  if (cpus.empty()) {
    *why = "cannot read /sys/devices/system/cpu/possible";
    return false;
  }
  err = Transact(sock, Request(family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus.c_str(),
                               cpus.size() + 1), nullptr);
  if (err != 0) {
    *why = std::string("taskstats registration refused (needs CAP_NET_ADMIN in the initial user and pid "
                       "namespaces): ") + std::strerror(err);
    return false;
  }
  return true;
}

std::uint64_t BoottimeNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

std::string PossibleCpuList(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

bool ParseNetlinkDrops(const std::string& text, std::uint64_t inode, std::uint64_t* drops) {
  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream cols(line);
    std::string sk, eth, pid, groups, rmem, wmem, dump, locks;
    std::uint64_t d = 0, ino = 0;
    if (!(cols >> sk >> eth >> pid >> groups >> rmem >> wmem >> dump >> locks >> d >> ino)) continue;
    if (ino == inode) {
      *drops = d;
      return true;
    }
  }
  return false;
}

std::unique_ptr<TaskstatsListener> TaskstatsListener::Start(const ExitAccountingOptions& opts, double ticks_per_second,
                                                            std::string* why) {
  const int sock = OpenSocket(opts.receive_buffer_bytes, why);
  if (sock < 0) return nullptr;
  if (!Register(sock, why)) {
    ::close(sock);
    return nullptr;
  }
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    *why = Errno("eventfd");
    ::close(sock);
    return nullptr;
  }
  std::unique_ptr<TaskstatsListener> l(new TaskstatsListener(sock, wake, opts.max_queued_records, ticks_per_second));
  struct stat st{};
  if (::fstat(sock, &st) == 0) l->inode_ = st.st_ino;
  l->thread_ = std::thread([p = l.get()] { p->Run(); });
  return l;
}

TaskstatsListener::TaskstatsListener(int sock, int wake, std::size_t max_queued, double ticks_per_second)
    : sock_(sock), wake_(wake), max_queued_(max_queued), ticks_per_second_(ticks_per_second) {}

TaskstatsListener::~TaskstatsListener() {
  const std::uint64_t one = 1;
  if (::write(wake_, &one, sizeof one) < 0) {}  // Run polls wake_; a full counter still wakes it
  if (thread_.joinable()) thread_.join();
  ::close(sock_);
  ::close(wake_);
}

void TaskstatsListener::Run() {
  std::vector<char> buf(64 * 1024);
  pollfd fds[2] = {{sock_, POLLIN, 0}, {wake_, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    if (fds[0].revents) ReadAvailable(buf);
  }
}

void TaskstatsListener::ReadAvailable(std::vector<char>& buf) {
  for (;;) {
    const ssize_t n = ::recv(sock_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == ENOBUFS) {  // the kernel dropped records: counted, and reading goes on
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.overflows;
        continue;
      }
      return;  // EAGAIN: read everything there was
    }
    const std::uint64_t now = BoottimeNs();
    auto left = static_cast<unsigned int>(n);  // unsigned, as NLMSG_OK compares it with nlmsg_len
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left))
      Keep(reinterpret_cast<const char*>(h), h->nlmsg_len, now);
  }
}

void TaskstatsListener::Keep(const char* msg, std::size_t len, std::uint64_t boottime_ns) {
  ParsedExit parsed;
  const TaskstatsParse outcome = ParseTaskstatsMessage(msg, len, &parsed);
  std::lock_guard<std::mutex> lock(mu_);
  if (outcome == TaskstatsParse::kUnknownLayout) ++stats_.unparsed;
  if (outcome != TaskstatsParse::kRecord) return;
  if (queue_.size() >= max_queued_) {  // a fork bomb between two scrapes: memory stays bounded
    ++stats_.queue_dropped;
    return;
  }
  parsed.record.start_time_ticks = ExitStartTicks(boottime_ns, parsed.group_elapsed_us, ticks_per_second_);
  queue_.push_back(std::move(parsed.record));
}

std::uint64_t TaskstatsListener::KernelDrops() const {
  std::ifstream in("/proc/self/net/netlink");
  std::stringstream text;
  text << in.rdbuf();
  std::uint64_t drops = 0;
  return ParseNetlinkDrops(text.str(), inode_, &drops) ? drops : 0;
}

void TaskstatsListener::Drain(std::vector<ExitRecord>* out, ExitStats* stats) {
  const std::uint64_t drops = KernelDrops();
  std::vector<ExitRecord> taken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    taken.swap(queue_);
    // Each ENOBUFS stands for at least one record; the Drops column counts them one by one.
    stats_.lost = std::max({stats_.lost, drops, stats_.overflows});
    *stats = stats_;
  }
  out->insert(out->end(), std::make_move_iterator(taken.begin()), std::make_move_iterator(taken.end()));
}

}  // namespace proctree
