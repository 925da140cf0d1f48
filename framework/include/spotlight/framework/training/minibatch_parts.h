#pragma once

#include <cstdint>
#include <vector>

namespace spotlight {

// How a minibatch of sequences is cut into `parts` parts of consecutive sequences, one per
// thread, given each sequence's work (its real steps): every part as close to an equal share of
// the total work as the sequences' boundaries allow, so that no thread waits long for the
// slowest. Part p is sequences [bounds[p], bounds[p + 1]); the result has parts + 1 entries,
// from 0 to work.size(), and a part may be empty. Without any work the parts split the
// sequences evenly by count.
std::vector<int64_t> balanced_part_bounds(const std::vector<int64_t>& work, int64_t parts);

}  // namespace spotlight
