#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "spotlight/framework/run/recommend.h"

namespace spotlight {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise
  int port = 8080;                 // 0: any free port (see RecommendationServer::port)
  int threads = 8;                 // requests answered at once
  size_t max_body_bytes = 1 << 20;
  int timeout_seconds = 5;  // a client that sends or reads nothing for this long is dropped
};

// The HTTP JSON interface of one loaded model (cpp-httplib underneath):
//   GET  /recommend?user=ID[&k=10][&include_seen=true]
//   POST /recommend  {"sequence": [...]} or {"items": [...]}, optional "k" and "include_seen"
//   GET  /similar?item=ID[&k=10]
//   GET  /health, GET /model
// Answers are the CLI's (the same Recommender). Every refusal is a 4xx with a one-line body
// {"error": "..."}; a failure inside the model is a 500 of the same form.
class RecommendationServer {
 public:
  RecommendationServer(LoadedCheckpoint& saved, Recommender& recommender, ServeOptions options);
  ~RecommendationServer();

  // Binds the socket; an Error naming host and port when it cannot. Returns the port.
  int bind();
  int port() const;
  // Answers requests until stop(); the requests in flight are finished before it returns.
  void run();
  // Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spotlight
