#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/options.h"
#include "spotlight/framework/serve/recommendation_server.h"
#include "spotlight/framework/training/runtime.h"

namespace spotlight::cli {

namespace {

// SIGTERM and SIGINT write a byte to this pipe; a watcher thread reads it and stops the
// server. (Blocking the signals would not do: LibTorch's and OpenBLAS's threads exist before
// any command runs, and the kernel may deliver the signal to any of them.)
int stop_pipe[2] = {-1, -1};

extern "C" void request_stop(int) {
  const int saved = errno;
  [[maybe_unused]] const ssize_t written = ::write(stop_pipe[1], "s", 1);
  errno = saved;
}

void install_stop_handlers() {
  if (::pipe(stop_pipe) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
}

}  // namespace

int serve_command(Arguments& arguments, const Registry& registry) {
  const std::string folder = arguments.take_value("--model");
  ServeOptions options;
  const std::string host = arguments.take_value("--host");
  if (!host.empty()) options.host = host;
  options.port = static_cast<int>(whole_number("--port", arguments.take_value("--port"), 0, 65535, 8080));
  options.threads = static_cast<int>(whole_number("--threads", arguments.take_value("--threads"), 1, 1024, 8));
  arguments.reject_unknown_options("serve");
  if (folder.empty() || arguments.words.size() != 1) {
    throw UsageError("usage: spotlight serve --model DIR [--host 127.0.0.1] [--port 8080] [--threads N]");
  }
  install_stop_handlers();
  auto saved = load_checkpoint(folder, registry);
  Recommender recommender(saved);
  // Many requests at once, each product on its own request's thread.
  set_compute_threads(1);

  RecommendationServer server(saved, recommender, options);
  const int port = server.bind();
  std::cout << "serving " << folder << " on http://" << options.host << ":" << port << std::endl;
  std::thread watcher([&server] {
    char byte = 0;
    while (::read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    server.stop();
  });
  // Returns after stop(), once the requests in flight are answered.
  server.run();
  request_stop(0);  // wakes the watcher when the server ended by itself
  watcher.join();
  std::cout << "stopped" << std::endl;
  return 0;
}

}  // namespace spotlight::cli
