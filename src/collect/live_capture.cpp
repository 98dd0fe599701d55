#include "collect/live_capture.h"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>

#if defined(MSW_HAVE_LIBPCAP)
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <unistd.h>
#endif

namespace msw::collect {

#if !defined(MSW_HAVE_LIBPCAP)

bool live_capture_available() { return false; }

Result<LiveCaptureResult> capture_live(const LiveCaptureOptions&, const std::atomic<bool>*) {
  return Error::make("capture.unavailable",
                     "this minesweep was built without libpcap: install libpcap-dev (scripts/setup.sh) and rebuild, "
                     "or capture with tcpdump -w FILE and run `minesweep pcap FILE`");
}

#else

bool live_capture_available() { return true; }

namespace {

struct Dump {
  pcap_dumper_t* dumper = nullptr;
  uint64_t packets = 0, bytes = 0;
};

void on_packet(u_char* user, const pcap_pkthdr* h, const u_char* data) {
  auto* d = reinterpret_cast<Dump*>(user);
  pcap_dump(reinterpret_cast<u_char*>(d->dumper), h, data);
  ++d->packets;
  d->bytes += h->caplen;
}

}  // namespace

Result<LiveCaptureResult> capture_live(const LiveCaptureOptions& o, const std::atomic<bool>* stop) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(o.interface.c_str(), err);
  if (!p) return Error::make("capture.open", "cannot capture on " + o.interface + ": " + err);
  struct Closer {
    pcap_t* p;
    ~Closer() { pcap_close(p); }
  } closer{p};
  pcap_set_snaplen(p, o.snap_length);
  pcap_set_promisc(p, 0);  // the host's own traffic is what a responder needs; promiscuous mode changes the host
  pcap_set_timeout(p, 200);
  pcap_set_immediate_mode(p, 1);
  if (const int rc = pcap_activate(p); rc < 0) {
    std::string why = pcap_geterr(p);
    if (rc == PCAP_ERROR_PERM_DENIED)
      why += " (run as root, or give the binary CAP_NET_RAW: setcap cap_net_raw+ep minesweep)";
    if (rc == PCAP_ERROR_NO_SUCH_DEVICE) why += " (list interfaces with `ip link`)";
    return Error::make("capture.open", "cannot capture on " + o.interface + ": " + why);
  }
  if (!o.filter.empty()) {
    bpf_program prog{};
    if (pcap_compile(p, &prog, o.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
      return Error::make("capture.filter", "the filter \"" + o.filter + "\" does not compile: " + pcap_geterr(p));
    const int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) return Error::make("capture.filter", std::string("cannot apply the filter: ") + pcap_geterr(p));
  }
  // A new file only: an earlier capture is evidence too.
  const int fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    return Error::make("capture.output", "cannot create " + o.output + " (it must not exist yet): " +
                                             std::string(std::strerror(errno)));
  FILE* file = ::fdopen(fd, "wb");
  if (!file) {
    ::close(fd);
    return Error::make("capture.output", "cannot write " + o.output);
  }
  Dump dump;
  dump.dumper = pcap_dump_fopen(p, file);
  if (!dump.dumper) {
    std::fclose(file);
    return Error::make("capture.output", "cannot write " + o.output + ": " + pcap_geterr(p));
  }
  // Non-blocking reads behind poll(): a quiet interface must not hold the capture past its duration.
  if (pcap_setnonblock(p, 1, err) != 0) {
    pcap_dump_close(dump.dumper);
    return Error::make("capture.open", std::string("cannot read ") + o.interface + " without blocking: " + err);
  }
  const int fd_in = pcap_get_selectable_fd(p);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(o.seconds);
  while (std::chrono::steady_clock::now() < until && !(stop && stop->load())) {
    if (fd_in >= 0) {
      pollfd pfd{fd_in, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (::poll(&pfd, 1, static_cast<int>(std::clamp<int64_t>(left.count(), 0, 200))) <= 0) continue;
    }
    if (o.max_packets && dump.packets >= o.max_packets) break;
    if (dump.bytes >= o.max_bytes) break;
    const int n = pcap_dispatch(p, o.max_packets ? static_cast<int>(std::min<uint64_t>(o.max_packets - dump.packets, 1 << 20)) : -1,
                                on_packet, reinterpret_cast<u_char*>(&dump));
    if (n == PCAP_ERROR) {
      const std::string why = pcap_geterr(p);
      pcap_dump_close(dump.dumper);
      return Error::make("capture.open", "capture on " + o.interface + " failed: " + why);
    }
  }
  LiveCaptureResult r;
  pcap_stat st{};
  if (pcap_stats(p, &st) == 0) r.dropped = st.ps_drop + st.ps_ifdrop;
  pcap_dump_close(dump.dumper);
  r.packets = dump.packets;
  r.bytes = dump.bytes;
  r.output = o.output;
  return r;
}

#endif

}  // namespace msw::collect
