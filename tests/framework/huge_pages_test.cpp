#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spotlight/framework/training/huge_pages.h"
#include "spotlight/framework/training/runtime.h"

namespace {

// The VmFlags of the mapping of /proc/self/smaps that holds `address`, or "" if none does.
std::string mapping_flags(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t start = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> start >> dash >> end && dash == '-') {
      inside = start <= at && at < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line.substr(8) + " ";
    }
  }
  return "";
}

bool kernel_has_transparent_huge_pages() {
  struct stat info {};
  return stat("/sys/kernel/mm/transparent_hugepage/enabled", &info) == 0;
}

TEST(HugePages, LargeTensorsAndTheMainHeapAskForHugePagesWithLibTorchsAlignment) {
  if (!kernel_has_transparent_huge_pages()) GTEST_SKIP() << "this kernel has no transparent huge pages";
  spotlight::keep_freed_memory();  // as a run does: blocks under 256 MB come from the heap
  spotlight::use_huge_pages_for_large_tensors();
  spotlight::use_huge_pages_for_large_tensors();  // a second call changes nothing

  auto large = torch::ones({8 << 20});  // 32 MB
  EXPECT_NE(mapping_flags(large.data_ptr<float>() + (4 << 20)).find(" hg "), std::string::npos)
      << mapping_flags(large.data_ptr<float>() + (4 << 20));
  EXPECT_EQ(large.sum().item<double>(), 8.0 * (1 << 20));  // written and read back whole

  const auto small = torch::arange(1000, torch::kFloat32);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.data_ptr<float>()) % 64, 0u);  // LibTorch's alignment
  EXPECT_EQ(small.sum().item<double>(), 999.0 * 1000.0 / 2.0);
  const auto empty = torch::empty({0});
  // Small tensors of the main thread come from the main heap, advised as it grows: one made
  // after 64 MB of them lies in a stretch that asked for huge pages.
  std::vector<torch::Tensor> small_ones;
  for (int i = 0; i < 64; ++i) small_ones.push_back(torch::ones({(1 << 18) - 64}));  // just under 1 MB each
  EXPECT_NE(mapping_flags(small_ones.back().data_ptr<float>()).find(" hg "), std::string::npos)
      << mapping_flags(small_ones.back().data_ptr<float>());
  EXPECT_EQ(small_ones.back().sum().item<double>(), static_cast<double>((1 << 18) - 64));
  EXPECT_EQ(empty.numel(), 0);
  // Freed and made again: the memory is reused, the values are the new ones.
  large = torch::Tensor();
  auto again = torch::full({8 << 20}, 2.0f);
  EXPECT_EQ(again.sum().item<double>(), 16.0 * (1 << 20));
}

}  // namespace
