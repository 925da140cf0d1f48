// The `spotlight` command-line tool.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <new>

#include <c10/util/Exception.h>

#include "cli/commands.h"
#include "src/data/utf8.h"
#include "spotlight/framework/training/runtime.h"
#include "spotlight/sdk/version.h"

namespace {

constexpr const char* kUsage =
    "usage: spotlight [--plugin-path DIR ...] [--allow-insecure-plugins] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  run EXPERIMENT.json [--set path.to.key=value ...] [--output DIR] [--resume]\n"
    "      [--nproc N | --rank R --world-size N --master HOST:PORT] [--timeout SECONDS]\n"
    "                           train and evaluate; writes DIR/metrics.json and DIR/experiment.json;\n"
    "                           --resume continues a run that was interrupted; --nproc trains on N\n"
    "                           local processes, --rank/--world-size/--master joins a cluster run\n"
    "  plugins [--json | --markdown]\n"
    "                           list the plugins found on the search path (--markdown: the reference page)\n"
    "  plugins describe NAME    show one plugin's parameters\n"
    "  evaluate --model DIR [--data DATASET.json] [--json]\n"
    "                           metrics of a saved model on its experiment's test split, or on\n"
    "                           the interactions of another dataset section\n"
    "  recommend --model DIR (--user ID | --sequence A,B,C) [-k 10] [--include-seen] [--json]\n"
    "                           the user's top items in the dataset's own ids\n"
    "  recommend --model DIR (--all-users | --users FILE) --output FILE.csv|FILE.jsonl [-k 10]\n"
    "      [--include-seen] [--threads N]\n"
    "                           the top items of every user (or of those FILE names), streamed to FILE\n"
    "  similar --model DIR --item ID [-k 10] [--json]\n"
    "                           the items closest to ITEM by cosine similarity of the item vectors\n"
    "  export --model DIR --output DIR\n"
    "                           the model's tables as NumPy .npy files, the raw ids, manifest.json\n"
    "  serve --model DIR [--host 127.0.0.1] [--port 8080] [--threads N]\n"
    "                           answer recommendations over HTTP JSON; SIGTERM stops it cleanly\n"
    "\n"
    "Plugins are searched in the host's own plugin folder, then SPOTLIGHT_PLUGIN_PATH\n"
    "(colon-separated), then every --plugin-path. A plugin is code that runs with your rights:\n"
    "libraries others could have written (writable by others, or owned by another user) are\n"
    "refused unless --allow-insecure-plugins (or SPOTLIGHT_ALLOW_INSECURE_PLUGINS=1) is given.\n";

// Torch errors carry a C++ backtrace after the first line; a user needs the first line.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

int run_command_line(int argc, char** argv);

// Standard output that could not be written (a closed pipe, a full disk, /dev/full) is a
// failed command: the output a user asked for is not there.
int checked_stdout(int code) {
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "spotlight: error: cannot write to standard output (closed pipe or full disk)\n";
    return code == 0 ? 1 : code;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that goes away (spotlight ... | head) makes writes fail with EPIPE, reported
  // below, instead of killing the process without a word.
  std::signal(SIGPIPE, SIG_IGN);
  return checked_stdout(run_command_line(argc, argv));
}

namespace {

int run_command_line(int argc, char** argv) {
  using namespace spotlight;
  try {
    cli::Arguments arguments = cli::parse_global_arguments(argc, argv);
    const bool allow_insecure = arguments.take_flag("--allow-insecure-plugins");
    if (arguments.take_flag("--help") || arguments.take_flag("-h")) {
      std::cout << kUsage;
      return 0;
    }
    if (arguments.words.empty()) {
      std::cerr << kUsage;
      return 2;
    }
    if (arguments.words.front() == "--version") {
      std::cout << "spotlight " SPOTLIGHT_VERSION " (SDK ABI " << SPOTLIGHT_SDK_ABI_VERSION << ", LibTorch " << SPOTLIGHT_TORCH_VERSION
                << ")\n"
                << "vector loops " << vector_instruction_set() << ", OpenBLAS kernels "
                << (blas_kernels().empty() ? std::string("(not OpenBLAS)") : blas_kernels()) << "\n";
      return 0;
    }
    Registry registry;
    const char* allow = std::getenv("SPOTLIGHT_ALLOW_INSECURE_PLUGINS");
    registry.allow_insecure_plugins(allow_insecure || (allow != nullptr && std::string(allow) == "1"));
    registry.discover(Registry::search_path(arguments.plugin_paths));
    const std::string command = arguments.words.front();
    if (command == "run") return cli::run_command(arguments, registry);
    if (command == "plugins") return cli::plugins_command(arguments, registry);
    if (command == "evaluate") return cli::evaluate_command(arguments, registry);
    if (command == "recommend") return cli::recommend_command(arguments, registry);
    if (command == "similar") return cli::similar_command(arguments, registry);
    if (command == "export") return cli::export_command(arguments, registry);
    if (command == "serve") return cli::serve_command(arguments, registry);
    throw cli::UsageError("unknown command \"" + command +
                          "\" (commands: run, plugins, evaluate, recommend, similar, export, serve)");
  } catch (const cli::UsageError& error) {
    // A usage text has several lines of its own; each is escaped.
    const std::string text = error.what();
    std::string shown;
    for (size_t start = 0; start <= text.size();) {
      const size_t end = std::min(text.find('\n', start), text.size());
      shown += (start == 0 ? "" : "\n") + printable(std::string_view(text).substr(start, end - start));
      start = end + 1;
    }
    std::cerr << "spotlight: " << shown << "\n(see spotlight --help)\n";
    return 2;
  } catch (const std::bad_alloc&) {
    // Sizes are checked against the machine where they are given; what is left is the
    // memory another process took, or sizes that only together are too large.
    std::cerr << "spotlight: error: out of memory; the data and model sizes need more memory than is free\n";
  } catch (const c10::Error& error) {
    std::cerr << "spotlight: error: " << printable(first_line(error.what_without_backtrace())) << "\n";
  } catch (const std::exception& error) {
    // Ours are one line whatever they quote: bytes from files and arguments are escaped.
    std::cerr << "spotlight: error: " << printable(error.what()) << "\n";
  }
  return 1;
}

}  // namespace
