// The only file that includes c10d: the rest of the host sees Replicas.
#include "spotlight/framework/distributed/replicas.h"

#include <cstdlib>
#include <cstring>
#include <functional>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

// splitmix64's finaliser: a cheap, well-mixed step for fingerprinting parameter bytes.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t fingerprint(const std::vector<torch::Tensor>& parameters) {
  uint64_t hash = 0;
  for (const auto& parameter : parameters) {
    const auto bytes = parameter.detach().to(torch::kCPU).contiguous();
    const auto* data = static_cast<const unsigned char*>(bytes.data_ptr());
    const size_t size = bytes.numel() * bytes.element_size();
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      uint64_t word;
      std::memcpy(&word, data + i, 8);
      hash = mix(hash ^ word);
    }
    for (; i < size; ++i) hash = mix(hash ^ data[i]);
    hash = mix(hash ^ size);
  }
  return hash;
}

class GlooReplicas final : public Replicas {
 public:
  explicit GlooReplicas(const DistributedOptions& options) : options_(options) {
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout);
    guarded("joining the rendezvous at " + options.master_host + ":" + std::to_string(options.master_port), [&] {
      c10d::TCPStoreOptions store_options;
      store_options.port = static_cast<std::uint16_t>(options.master_port);
      store_options.isServer = options.rank == 0;
      store_options.numWorkers = static_cast<size_t>(options.world_size);
      store_options.waitWorkers = true;
      store_options.timeout = timeout;
      auto store = c10::make_intrusive<c10d::TCPStore>(options.master_host, store_options);
      auto group_options = c10d::ProcessGroupGloo::Options::create(timeout);
      // Gloo's pairs bind to this machine's address: loopback for a local run, the
      // address the hostname resolves to (or GLOO_SOCKET_IFNAME's interface) for a cluster.
      const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
      if (interface != nullptr && *interface != '\0') {
        group_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
      } else if (is_loopback(options.master_host)) {
        group_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        group_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      group_options->threads = 1;
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, options.rank, options.world_size, group_options);
    });
  }

  int rank() const override { return options_.rank; }
  int size() const override { return options_.world_size; }
  bool check_every_step() const override { return options_.check_every_step; }

  void average_gradients(const std::vector<torch::Tensor>& parameters) override {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> dense;
    std::vector<torch::Tensor> flat;
    for (const auto& parameter : parameters) {
      const auto& gradient = parameter.grad();
      if (gradient.defined() && gradient.is_sparse()) {
        std::vector<torch::Tensor> tensors{gradient.coalesce()};
        guarded("exchanging sparse gradients", [&] { group_->allreduce(tensors)->wait(); });
        const_cast<torch::Tensor&>(parameter).mutable_grad() = tensors[0].div_(size());
      } else {
        dense.push_back(parameter);
        flat.push_back(gradient.defined() ? gradient.reshape(-1).to(torch::kFloat32)
                                          : torch::zeros({parameter.numel()}, torch::kFloat32));
      }
    }
    if (dense.empty()) return;
    // One all-reduce for every dense gradient, with a last entry per parameter counting the
    // ranks that produced its gradient.
    auto produced = torch::empty({static_cast<int64_t>(dense.size())}, torch::kFloat32);
    float* produced_by_us = produced.data_ptr<float>();
    for (size_t i = 0; i < dense.size(); ++i) produced_by_us[i] = dense[i].grad().defined() ? 1.0F : 0.0F;
    flat.push_back(produced);
    std::vector<torch::Tensor> tensors{torch::cat(flat)};
    guarded("averaging gradients", [&] { group_->allreduce(tensors)->wait(); });
    const auto& summed = tensors[0];
    const float* counts = summed.data_ptr<float>() + (summed.numel() - produced.numel());
    int64_t offset = 0;
    for (size_t i = 0; i < dense.size(); ++i) {
      auto& parameter = const_cast<torch::Tensor&>(dense[i]);
      const int64_t numel = parameter.numel();
      if (counts[i] > 0) {
        auto mean = summed.narrow(0, offset, numel).view(parameter.sizes()).div(size()).to(parameter.dtype());
        if (parameter.grad().defined()) {
          parameter.mutable_grad().copy_(mean);
        } else {
          parameter.mutable_grad() = mean;
        }
      }
      offset += numel;
    }
  }

  std::vector<double> sum(const std::vector<double>& values) override {
    std::vector<torch::Tensor> tensors{torch::tensor(values, torch::kFloat64)};
    guarded("summing over the ranks", [&] { group_->allreduce(tensors)->wait(); });
    const auto* summed = tensors[0].data_ptr<double>();
    return {summed, summed + values.size()};
  }

  std::string broadcast(const std::string& bytes) override {
    std::vector<torch::Tensor> length{torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64)};
    guarded("sharing the model state", [&] { group_->broadcast(length)->wait(); });
    const int64_t size = length[0].item<int64_t>();
    std::vector<torch::Tensor> data{torch::empty({size}, torch::kUInt8)};
    if (rank() == 0) std::memcpy(data[0].data_ptr(), bytes.data(), bytes.size());
    guarded("sharing the model state", [&] { group_->broadcast(data)->wait(); });
    return {static_cast<const char*>(data[0].data_ptr()), static_cast<size_t>(size)};
  }

  void check_identical(const std::vector<torch::Tensor>& parameters, const std::string& when) override {
    // 62 bits, so that negating never overflows: max(x) == -max(-x) exactly when all agree.
    const auto hash = static_cast<int64_t>(fingerprint(parameters) >> 2);
    std::vector<torch::Tensor> tensors{torch::tensor({hash, -hash}, torch::kInt64)};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::MAX;
    guarded("comparing the replicas", [&] { group_->allreduce(tensors, options)->wait(); });
    if (tensors[0][0].item<int64_t>() != -tensors[0][1].item<int64_t>()) {
      throw Error("distributed: the model's parameters differ between ranks " + when +
                  "; the ranks did not apply the same updates");
    }
  }

 private:
  // Runs one c10d operation; a failure (a peer that stopped, a timeout) becomes one clear line.
  void guarded(const std::string& what, const std::function<void()>& operation) const {
    try {
      operation();
    } catch (const Error&) {
      throw;
    } catch (const c10::Error& error) {
      fail(what, error.what_without_backtrace());
    } catch (const std::exception& error) {
      fail(what, error.what());
    }
  }

  [[noreturn]] void fail(const std::string& what, const std::string& reason) const {
    throw Error("distributed: rank " + std::to_string(options_.rank) + " of " + std::to_string(options_.world_size) +
                ": " + what + " failed: " + first_line(reason) +
                " (another rank stopped, or stayed silent for more than " + std::to_string(options_.timeout.count()) +
                " s)");
  }

  DistributedOptions options_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::shared_ptr<Replicas> Replicas::connect(const DistributedOptions& options) {
  if (options.world_size < 1 || options.rank < 0 || options.rank >= options.world_size) {
    throw Error("distributed: rank " + std::to_string(options.rank) + " is outside a world of " +
                std::to_string(options.world_size) + " processes");
  }
  return std::make_shared<GlooReplicas>(options);
}

}  // namespace spotlight
