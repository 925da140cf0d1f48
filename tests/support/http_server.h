#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace spotlight::testing {

// A minimal HTTP/1.1 server on 127.0.0.1 (a free port) on its own thread, for download
// tests without network or Python: GET of a path given to serve() answers 200 with its
// bytes, anything else 404. Stops in stop() or the destructor; after stop() the port
// refuses connections, which is what an unreachable server looks like to a client.
class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void serve(const std::string& path, std::string body);
  void stop();
  // "http://127.0.0.1:PORT", without a trailing slash.
  std::string url() const;
  int requests() const { return requests_; }

 private:
  void run();
  void answer(int connection);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::map<std::string, std::string> bodies_;
  std::thread thread_;
};

}  // namespace spotlight::testing
