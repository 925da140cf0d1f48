#pragma once

namespace spotlight {

// A TCP port the kernel has just handed out on the loopback interface and released, for a
// rendezvous that binds it moments later (the local launcher, tests). Throws Error when no
// socket can be opened or bound.
int free_local_port();

}  // namespace spotlight
