#include "spotlight/sdk/parameters.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

// 65536 and 2147483647 as written, 0.5 as 0.5: whole bounds are never shown in exponent form.
std::string format_bound(double value) {
  if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15) {
    return std::to_string(static_cast<long long>(value));
  }
  std::ostringstream out;
  out << value;
  return out.str();
}

// A JSON value as the user wrote it, shortened so an error message stays one line.
std::string shown(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// A JSON integer a plugin can read as int64_t: 2^63 and above would wrap to negative numbers.
bool is_integer(const nlohmann::json& value) {
  return value.is_number_integer() &&
         !(value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()));
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

const char* to_string(ParameterType type) {
  switch (type) {
    case ParameterType::integer: return "integer";
    case ParameterType::number: return "number";
    case ParameterType::boolean: return "boolean";
    case ParameterType::text: return "string";
    case ParameterType::integers: return "integer or list of integers";
    case ParameterType::component: return "component";
  }
  return "unknown";
}

std::string join_path(const std::string& parent, const std::string& child) {
  if (child.empty()) return parent;
  return parent.empty() ? child : parent + "." + child;
}

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

Parameter::Parameter(std::string name, ParameterType type, nlohmann::json default_value, std::string doc)
    : name_(std::move(name)), type_(type), default_(std::move(default_value)), doc_(std::move(doc)) {}

Parameter Parameter::integer(std::string name, std::optional<long long> default_value, std::string doc) {
  return Parameter(std::move(name), ParameterType::integer,
                   default_value ? nlohmann::json(*default_value) : nlohmann::json(), std::move(doc));
}

Parameter Parameter::number(std::string name, std::optional<double> default_value, std::string doc) {
  return Parameter(std::move(name), ParameterType::number,
                   default_value ? nlohmann::json(*default_value) : nlohmann::json(), std::move(doc));
}

Parameter Parameter::boolean(std::string name, std::optional<bool> default_value, std::string doc) {
  return Parameter(std::move(name), ParameterType::boolean, default_value ? nlohmann::json(*default_value) : nlohmann::json(),
                   std::move(doc));
}

Parameter Parameter::text(std::string name, std::optional<std::string> default_value, std::string doc) {
  return Parameter(std::move(name), ParameterType::text,
                   default_value ? nlohmann::json(*default_value) : nlohmann::json(), std::move(doc));
}

Parameter Parameter::integers(std::string name, nlohmann::json default_value, std::string doc) {
  return Parameter(std::move(name), ParameterType::integers, std::move(default_value), std::move(doc));
}

Parameter Parameter::component(std::string name, ComponentKind kind, std::string doc) {
  Parameter parameter(std::move(name), ParameterType::component, nlohmann::json(), std::move(doc));
  parameter.component_kind_ = kind;
  return parameter;
}

Parameter& Parameter::at_least(double minimum) {
  minimum_ = minimum;
  minimum_exclusive_ = false;
  return *this;
}

Parameter& Parameter::greater_than(double bound) {
  minimum_ = bound;
  minimum_exclusive_ = true;
  return *this;
}

Parameter& Parameter::at_most(double maximum) {
  maximum_ = maximum;
  return *this;
}

Parameter& Parameter::one_of(std::vector<std::string> choices) {
  choices_ = std::move(choices);
  return *this;
}

Parameter& Parameter::optional() {
  optional_ = true;
  return *this;
}

std::string Parameter::expectation() const {
  const bool integral = type_ == ParameterType::integer || type_ == ParameterType::integers;
  const std::string noun = integral ? "integer" : "number";
  std::string range;
  if (minimum_ && maximum_) {
    range = (integral ? "an integer" : "a number") + std::string(" from ") +
            (minimum_exclusive_ ? "above " : "") + format_bound(*minimum_) + " to " + format_bound(*maximum_);
  } else if (minimum_ && *minimum_ == 0 && minimum_exclusive_) {
    range = "a positive " + noun;
  } else if (minimum_ && *minimum_ == 1 && !minimum_exclusive_ && integral) {
    range = "a positive integer";
  } else if (minimum_ && *minimum_ == 0 && !minimum_exclusive_) {
    range = "a non-negative " + noun;
  } else if (minimum_) {
    range = std::string(integral ? "an integer" : "a number") + (minimum_exclusive_ ? " above " : " of at least ") +
            format_bound(*minimum_);
  } else if (maximum_) {
    range = std::string(integral ? "an integer" : "a number") + " of at most " + format_bound(*maximum_);
  } else {
    range = integral ? "an integer" : "a number";
  }
  switch (type_) {
    case ParameterType::integer:
    case ParameterType::number: return range;
    case ParameterType::integers: return range + " or a non-empty list of them";
    case ParameterType::boolean: return "true or false";
    case ParameterType::text: {
      if (choices_.empty()) return "a string";
      std::string text = "one of ";
      for (size_t i = 0; i < choices_.size(); ++i) text += (i ? ", \"" : "\"") + choices_[i] + "\"";
      return text;
    }
    case ParameterType::component:
      return with_article(component_kind_) + ": \"@name\" or {\"plugin\": ...}";
  }
  return "";
}

bool Parameter::number_fits(double value) const {
  if (!std::isfinite(value)) return false;
  if (minimum_ && (minimum_exclusive_ ? value <= *minimum_ : value < *minimum_)) return false;
  if (maximum_ && value > *maximum_) return false;
  return true;
}

void Parameter::check(const nlohmann::json& value, const std::string& path) const {
  if (value.is_null() && !required()) return;
  bool fits = false;
  switch (type_) {
    case ParameterType::integer: fits = is_integer(value) && number_fits(value.get<double>()); break;
    case ParameterType::number: fits = value.is_number() && number_fits(value.get<double>()); break;
    case ParameterType::boolean: fits = value.is_boolean(); break;
    case ParameterType::text:
      fits = value.is_string() &&
             (choices_.empty() || std::find(choices_.begin(), choices_.end(), value.get<std::string>()) != choices_.end());
      break;
    case ParameterType::integers:
      if (is_integer(value)) {
        fits = number_fits(value.get<double>());
      } else if (value.is_array() && !value.empty()) {
        fits = std::all_of(value.begin(), value.end(),
                           [&](const nlohmann::json& element) { return is_integer(element) && number_fits(element.get<double>()); });
      }
      break;
    case ParameterType::component:
      fits = (value.is_string() && value.get<std::string>().size() > 1 && value.get<std::string>()[0] == '@') ||
             (value.is_object() && value.contains("plugin"));
      break;
  }
  if (!fits) {
    // Without an upper bound the expectation does not say why 2^63 and above do not fit.
    const bool too_large =
        type_ == ParameterType::integer && !maximum_ && value.is_number_integer() && !is_integer(value);
    throw ConfigError(path, "expected " + expectation() + (too_large ? " up to 9223372036854775807" : "") + ", got " +
                                shown(value));
  }
}

nlohmann::json Parameter::describe() const {
  nlohmann::json description{{"name", name_}, {"type", to_string(type_)}, {"doc", doc_},
                             {"accepts", expectation()}, {"required", required()}};
  if (!default_.is_null()) description["default"] = default_;
  if (type_ == ParameterType::component) description["component_kind"] = to_string(component_kind_);
  return description;
}

ParameterList schema(ParameterList first, ParameterList second, ParameterList third, ParameterList fourth) {
  ParameterList all;
  for (auto* part : {&first, &second, &third, &fourth}) {
    for (auto& parameter : *part) {
      for (const auto& taken : all) {
        if (taken.name() == parameter.name()) {
          throw Error("the schema declares parameter \"" + parameter.name() + "\" twice");
        }
      }
      all.push_back(std::move(parameter));
    }
  }
  return all;
}

nlohmann::json validate_parameters(const nlohmann::json& node, const ParameterList& schema, const std::string& path,
                                   const std::vector<std::string>& reserved) {
  if (!node.is_object()) throw ConfigError(path, "expected an object, got " + shown(node));
  std::vector<std::string> known;
  for (const auto& parameter : schema) known.push_back(parameter.name());
  for (const auto& [key, value] : node.items()) {
    if (std::find(reserved.begin(), reserved.end(), key) != reserved.end()) continue;
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = "unknown key";
    std::string suggestion = closest_name(key, known);
    if (!suggestion.empty()) {
      message += " (did you mean \"" + suggestion + "\"?)";
    } else if (known.empty()) {
      message += " (this takes no parameters)";
    } else {
      message += " (expected one of:";
      for (const auto& name : known) message += " " + name;
      message += ")";
    }
    throw ConfigError(join_path(path, key), message);
  }
  nlohmann::json resolved = nlohmann::json::object();
  for (const auto& key : reserved) {
    if (node.contains(key)) resolved[key] = node.at(key);
  }
  for (const auto& parameter : schema) {
    const std::string key_path = join_path(path, parameter.name());
    auto found = node.find(parameter.name());
    if (found == node.end() || found->is_null()) {
      if (parameter.required()) throw ConfigError(key_path, "missing; expected " + parameter.expectation());
      resolved[parameter.name()] = parameter.default_value();
      continue;
    }
    parameter.check(*found, key_path);
    resolved[parameter.name()] = *found;
  }
  return resolved;
}

}  // namespace spotlight
