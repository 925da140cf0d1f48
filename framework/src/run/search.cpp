#include "spotlight/framework/run/search.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "spotlight/framework/config/assembly.h"
#include "spotlight/framework/config/experiment.h"
#include "spotlight/framework/run/atomic_file.h"
#include "spotlight/framework/run/output_folder.h"
#include "spotlight/framework/run/runner.h"
#include "spotlight/framework/run/svg_plot.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/parameters.h"
#include "spotlight/sdk/random.h"

namespace spotlight {

namespace {

// A search runs its trials one after another, each a whole training run: far fewer than
// these. The bounds keep a typo from drawing or validating values without end.
constexpr int64_t kMostTrials = 100000;
constexpr size_t kMostChoices = 10000;

ParameterList search_schema() {
  return {Parameter::text("strategy", "random", "How values are chosen").one_of({"random", "grid"}),
          Parameter::integer("trials", std::nullopt, "Trials to run (random: default 10; grid: default every "
                                                     "combination, fewer to stop early)")
              .at_least(1)
              .at_most(kMostTrials)
              .optional(),
          Parameter::integer("seed", 42, "Seed of the random choices").at_least(0),
          Parameter::text("metric", std::nullopt, "The metric to optimise, as named in metrics.json"),
          Parameter::text("direction", "maximize", "Whether higher or lower is better").one_of({"maximize", "minimize"})};
}

// One searched parameter: where it goes in the experiment and how its values are drawn.
struct Dimension {
  std::string path;
  std::string kind;  // choice, uniform, log_uniform, int_uniform
  nlohmann::json values;
};

std::vector<Dimension> read_dimensions(const nlohmann::json& parameters, bool grid) {
  const std::string path = "search.parameters";
  if (!parameters.is_object() || parameters.empty()) {
    throw ConfigError(path, "expected an object mapping experiment paths to {\"choice\": [...]}, {\"uniform\": [lo, "
                            "hi]}, {\"log_uniform\": [lo, hi]} or {\"int_uniform\": [lo, hi]}");
  }
  std::vector<Dimension> dimensions;
  for (const auto& [name, spec] : parameters.items()) {
    const std::string at = path + "." + name;
    if (!spec.is_object() || spec.size() != 1) {
      throw ConfigError(at, "expected one of {\"choice\": [...]}, {\"uniform\": [lo, hi]}, {\"log_uniform\": [lo, "
                            "hi]}, {\"int_uniform\": [lo, hi]}, got " + spec.dump());
    }
    const std::string kind = spec.begin().key();
    const auto& values = spec.begin().value();
    if (kind == "choice") {
      if (!values.is_array() || values.empty()) throw ConfigError(at + ".choice", "expected a non-empty list of values");
      if (values.size() > kMostChoices) {
        throw ConfigError(at + ".choice", "has " + std::to_string(values.size()) + " values; at most " +
                                              std::to_string(kMostChoices));
      }
    } else if (kind == "uniform" || kind == "log_uniform" || kind == "int_uniform") {
      if (grid) throw ConfigError(at, "a grid search takes only {\"choice\": [...]} parameters");
      const bool integers = kind == "int_uniform";
      if (!values.is_array() || values.size() != 2 || !values[0].is_number() || !values[1].is_number() ||
          (integers && (!values[0].is_number_integer() || !values[1].is_number_integer()))) {
        throw ConfigError(at + "." + kind, std::string("expected [low, high] ") + (integers ? "integers" : "numbers") +
                                               ", got " + values.dump());
      }
      const double low = values[0].get<double>(), high = values[1].get<double>();
      if (integers ? low > high : low >= high) throw ConfigError(at + "." + kind, "low must be below high");
      if (kind == "log_uniform" && low <= 0) throw ConfigError(at + "." + kind, "both bounds must be positive");
    } else {
      throw ConfigError(at, "unknown distribution \"" + kind + "\" (expected choice, uniform, log_uniform or int_uniform)");
    }
    dimensions.push_back({name, kind, values});
  }
  return dimensions;
}

// The values of trial `trial` (0-based): the grid's trial-th combination, or a random draw.
nlohmann::json trial_values(const std::vector<Dimension>& dimensions, bool grid, int64_t trial, Random& random) {
  nlohmann::json values = nlohmann::json::object();
  int64_t rest = trial;
  for (const auto& dimension : dimensions) {
    const auto& v = dimension.values;
    if (grid) {
      const auto count = static_cast<int64_t>(v.size());
      values[dimension.path] = v[static_cast<size_t>(rest % count)];
      rest /= count;
    } else if (dimension.kind == "choice") {
      values[dimension.path] = v[static_cast<size_t>(random.below(v.size()))];
    } else if (dimension.kind == "uniform") {
      const double low = v[0].get<double>(), high = v[1].get<double>();
      values[dimension.path] = low + (high - low) * random.uniform();
    } else if (dimension.kind == "log_uniform") {
      const double low = std::log(v[0].get<double>()), high = std::log(v[1].get<double>());
      values[dimension.path] = std::exp(low + (high - low) * random.uniform());
    } else {
      const int64_t low = v[0].get<int64_t>(), high = v[1].get<int64_t>();
      values[dimension.path] = low + static_cast<int64_t>(random.below(static_cast<uint64_t>(high - low + 1)));
    }
  }
  return values;
}

nlohmann::json trial_experiment(nlohmann::json experiment, const nlohmann::json& values) {
  experiment.erase("search");
  for (const auto& [path, value] : values.items()) {
    try {
      apply_override(experiment, path + "=" + value.dump());
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& error) {
      throw ConfigError("search.parameters." + path, error.what());
    }
  }
  return experiment;
}

// A typo in a searched path or in any value a trial could take shows before the first trial
// runs, not hours into the search: every choice is put in turn into the first trial's
// experiment, which is validated and its component graph built (on a two-user, three-item
// stand-in for the data, so that plugin parameters are checked against their schemas).
void check_every_choice(const nlohmann::json& experiment, const std::vector<Dimension>& dimensions,
                        const nlohmann::json& first_trial, const Registry& registry) {
  const auto check = [&](const nlohmann::json& values) {
    const auto validated = validate_experiment(trial_experiment(experiment, values));
    try {
      assemble_model(validated, registry, 2, 3);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error&) {
      // Only the stand-in's sizes can cause anything else; the real data decides.
    }
  };
  check(first_trial);
  for (const auto& dimension : dimensions) {
    if (dimension.kind != "choice") continue;
    for (const auto& choice : dimension.values) {
      nlohmann::json values = first_trial;
      values[dimension.path] = choice;
      if (values != first_trial) check(values);
    }
  }
}

std::string shown(const nlohmann::json& values) {
  std::string text;
  for (const auto& [path, value] : values.items()) {
    char number[32];
    const std::string rendered =
        value.is_number_float() ? (std::snprintf(number, sizeof number, "%.4g", value.get<double>()), number)
                                : value.dump();
    text += (text.empty() ? "" : ", ") + path + "=" + rendered;
  }
  return text;
}

}  // namespace

SearchReport run_search(const nlohmann::json& experiment, const std::string& default_name,
                        const std::filesystem::path& output_dir, const Registry& registry, std::ostream& progress) {
  const auto& block = experiment.at("search");
  if (!block.is_object()) throw ConfigError("search", "expected an object, got " + block.dump());
  nlohmann::json settings = block;
  settings.erase("parameters");
  const auto resolved = validate_parameters(settings, search_schema(), "search");
  const bool grid = resolved.at("strategy") == "grid";
  const auto dimensions = read_dimensions(block.value("parameters", nlohmann::json()), grid);
  int64_t combinations = 1;
  for (const auto& dimension : dimensions) {
    if (!grid) break;
    // Capped rather than multiplied out: a grid of twenty 10-value lists overflows int64.
    combinations = std::min(kMostTrials + 1, combinations * static_cast<int64_t>(dimension.values.size()));
  }
  if (grid && combinations > kMostTrials && !(block.contains("trials") && block.at("trials").is_number_integer())) {
    throw ConfigError("search.parameters", "the grid has more than " + std::to_string(kMostTrials) +
                                               " combinations; set search.trials to run the first ones");
  }
  const bool trials_given = resolved.contains("trials") && !resolved.at("trials").is_null();
  const int64_t trials = grid ? (trials_given ? std::min(resolved.at("trials").get<int64_t>(), combinations)
                                              : combinations)
                              : (trials_given ? resolved.at("trials").get<int64_t>() : 10);
  const std::string metric = resolved.at("metric").get<std::string>();
  const bool maximize = resolved.at("direction") == "maximize";

  SearchReport report;
  report.output_dir = run_output_dir(experiment, default_name, output_dir);
  // Owned while the search runs (each trial owns its own folder inside); its files are
  // rewritten whole after every trial, so the folder is never replaced as a run's is.
  const RunOutputFolder folder(report.output_dir);

  // Every trial's values are drawn before the first runs, so the sequence depends on the seed only.
  Random random(resolved.at("seed").get<uint64_t>());
  std::vector<nlohmann::json> values;
  for (int64_t trial = 0; trial < trials; ++trial) values.push_back(trial_values(dimensions, grid, trial, random));
  check_every_choice(experiment, dimensions, values.front(), registry);

  report.results = {{"metric", metric},
                    {"direction", resolved.at("direction")},
                    {"strategy", resolved.at("strategy")},
                    {"trials", nlohmann::json::array()},
                    {"best", nullptr}};
  double best = maximize ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  int best_index = -1;
  for (int64_t trial = 0; trial < trials; ++trial) {
    char folder[32];
    std::snprintf(folder, sizeof folder, "trial-%03lld", static_cast<long long>(trial + 1));
    progress << "trial " << trial + 1 << "/" << trials << ": " << shown(values[static_cast<size_t>(trial)]) << "\n";
    nlohmann::json record{{"trial", trial + 1}, {"parameters", values[static_cast<size_t>(trial)]}, {"output", folder}};
    try {
      RunOptions trial_options;
      trial_options.default_name = folder;
      trial_options.output_dir = report.output_dir / folder;
      const auto run = run_loaded_experiment(trial_experiment(experiment, values[static_cast<size_t>(trial)]),
                                             trial_options, registry, progress);
      const auto& metrics = run.metrics.at("metrics");
      if (!metrics.contains(metric)) {
        std::string names;
        for (const auto& [key, value] : metrics.items()) names += (names.empty() ? "" : ", ") + key;
        throw ConfigError("search.metric", "no evaluator reports \"" + metric + "\" (the metrics are: " + names + ")");
      }
      const double value = metrics.at(metric).get<double>();
      record["status"] = "ok";
      record["metrics"] = metrics;
      record["fit_seconds"] = run.metrics.at("fit_seconds");
      if (maximize ? value > best : value < best) {
        best = value;
        best_index = static_cast<int>(trial);
        write_file_atomically(report.output_dir / "best_experiment.json", run.experiment.dump(2) + "\n");
      }
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& error) {
      record["status"] = "failed";
      record["error"] = error.what();
      progress << "trial " << trial + 1 << " failed: " << error.what() << "\n";
    }
    report.results["trials"].push_back(record);
    if (best_index >= 0) report.results["best"] = report.results["trials"][static_cast<size_t>(best_index)];
    write_file_atomically(report.output_dir / "search.json", report.results.dump(2) + "\n");
    LinePlot plot{"Search: " + metric + " per trial", "trial", metric, {}, {}, best_index};
    for (const auto& done : report.results["trials"]) {
      plot.xs.push_back(done.at("trial").get<double>());
      plot.ys.push_back(done.at("status") == "ok" ? done.at("metrics").at(metric).get<double>()
                                                   : std::numeric_limits<double>::quiet_NaN());
    }
    write_file_atomically(report.output_dir / "search.svg", line_plot(plot));
  }
  if (best_index < 0) throw Error("search: every trial failed; see " + (report.output_dir / "search.json").string());
  progress << "\nbest: trial " << best_index + 1 << " (" << metric << " " << best << ") with "
           << shown(values[static_cast<size_t>(best_index)]) << "\nwrote " << report.output_dir.string()
           << "/{search.json, search.svg, best_experiment.json, trial-*}\n";
  return report;
}

}  // namespace spotlight
