// Child process of crash_test: appends to the real event log from several threads until it is
// killed, and reports on stdout every event whose append returned successfully, as
// "<seq> <event id>\n", after a first line "ready". A report is written only after the append
// was acknowledged, so every reported event must survive the kill.
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/event_log.h"

int main(int argc, char** argv) {
  using namespace gaplog;
  if (argc != 2) {
    std::fprintf(stderr, "usage: crash_writer EVENTS_DIR\n");
    return 2;
  }
  auto fs = make_posix_file_system();
  SystemClock clock;
  auto log = EventLog::open(EventLogOptions{argv[1], fs.get(), &clock, /*create_if_missing=*/true});
  if (!log) {
    std::fprintf(stderr, "crash_writer: %s\n", log.status().to_string().c_str());
    return 3;
  }
  // Tell the parent the log is open, so its random delay measures appending, not start-up.
  if (::write(1, "ready\n", 6) != 6) return 3;
  std::mutex out_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(::getpid() * 31 + t));
      for (;;) {
        AppendRequest r;
        const int n = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < n; ++i) {
          const std::string stream = "finding/F-" + std::to_string(rng() % 20);
          r.events.push_back(NewEvent{stream, random_uuid(), std::nullopt, "crash@example.com",
                                      CommentAdded{stream, std::string(rng() % 200, 'x')}});
        }
        auto res = (*log)->append(std::move(r));
        if (!res) {
          std::fprintf(stderr, "crash_writer: %s\n", res.status().to_string().c_str());
          std::_Exit(3);
        }
        std::string lines;
        for (const Event& e : res->events)
          lines += std::to_string(e.seq) + " " + to_string(e.id) + "\n";
        std::lock_guard lock(out_mu);
        const char* p = lines.data();
        size_t left = lines.size();
        while (left > 0) {
          const ssize_t w = ::write(1, p, left);
          if (w <= 0) std::_Exit(3);
          p += w;
          left -= static_cast<size_t>(w);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}
