#pragma once

#include <chrono>
#include <string>

namespace spotlight {

// Where this process stands in a data-parallel run.
struct DistributedOptions {
  int rank = 0;
  int world_size = 1;                 // 1: a single process, no process group
  std::string master_host = "127.0.0.1";
  int master_port = 29500;            // rank 0 serves the rendezvous store on this port
  std::chrono::seconds timeout{60};   // a rank silent this long stops the others
  bool check_every_step = false;      // compare the replicas after every step, not only every epoch

  bool distributed() const { return world_size > 1; }
};

}  // namespace spotlight
