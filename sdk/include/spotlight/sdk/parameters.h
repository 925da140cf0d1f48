#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"

namespace spotlight {

enum class ParameterType {
  integer,    // a JSON integer
  number,     // any finite JSON number
  boolean,    // true or false
  text,       // a string, optionally one of a fixed set
  integers,   // an integer or a non-empty array of integers ("3" or "[1, 2, 4]")
  component,  // "@name" (a node under model.components) or an inline {"plugin": ...} node
};

SPOTLIGHT_SDK_API const char* to_string(ParameterType type);

// One declared parameter of a plugin (or of a host section of the experiment file): its
// name, type, default, documentation and the values it accepts. Built with the named
// constructors and refined with the chainable setters:
//   Parameter::integer("num_layers", 1, "Number of stacked layers").at_least(1)
class SPOTLIGHT_SDK_API Parameter {
 public:
  static Parameter integer(std::string name, std::optional<long long> default_value, std::string doc);
  static Parameter number(std::string name, std::optional<double> default_value, std::string doc);
  static Parameter boolean(std::string name, std::optional<bool> default_value, std::string doc);
  static Parameter text(std::string name, std::optional<std::string> default_value, std::string doc);
  static Parameter integers(std::string name, nlohmann::json default_value, std::string doc);
  static Parameter component(std::string name, ComponentKind kind, std::string doc);

  // Constraints on numbers (and on every element of `integers`).
  Parameter& at_least(double minimum);
  Parameter& greater_than(double bound);
  Parameter& at_most(double maximum);
  // Constraint on text.
  Parameter& one_of(std::vector<std::string> choices);
  // The parameter may be absent (or null); the plugin then decides what absence means.
  Parameter& optional();

  const std::string& name() const { return name_; }
  ParameterType type() const { return type_; }
  const std::string& doc() const { return doc_; }
  // null when the parameter has no default (required, or optional and absent).
  const nlohmann::json& default_value() const { return default_; }
  bool required() const { return default_.is_null() && !optional_; }
  bool is_optional() const { return optional_; }
  ComponentKind component_kind() const { return component_kind_; }
  const std::vector<std::string>& choices() const { return choices_; }

  // "a positive integer", "a number from 0 to 1", "one of \"tanh\", \"relu\"", ...
  std::string expectation() const;
  // Checks one value; throws ConfigError(path, "expected ..., got ...") when it does not fit.
  // Component references are checked for form only; the graph resolves them.
  void check(const nlohmann::json& value, const std::string& path) const;
  // JSON description for `spotlight plugins --json` and `describe`.
  nlohmann::json describe() const;

 private:
  Parameter(std::string name, ParameterType type, nlohmann::json default_value, std::string doc);
  bool number_fits(double value) const;

  std::string name_;
  ParameterType type_;
  nlohmann::json default_;
  std::string doc_;
  std::optional<double> minimum_;
  bool minimum_exclusive_ = false;
  std::optional<double> maximum_;
  std::vector<std::string> choices_;
  ComponentKind component_kind_ = ComponentKind::embedding;
  bool optional_ = false;
};

using ParameterList = std::vector<Parameter>;

// A plugin's schema put together from shared parts and its own parameters, in order:
//   schema(nn::sequence_table_parameters(), {Parameter::integer("num_layers", 1, "...")})
// Functions, not macros, so that a part is an ordinary value that can be tested and reused.
// Fixed arity with defaults rather than a variadic template: a template cannot take a braced
// list of Parameters. A name declared by two parts is a plugin bug, reported as an Error.
SPOTLIGHT_SDK_API ParameterList schema(ParameterList first = {}, ParameterList second = {}, ParameterList third = {},
                                       ParameterList fourth = {});

// Upper bounds for sizes in schemas (`.at_most(kMaxWidth)`), shared by the host and the
// plugins: far above any useful model, low enough that a typo such as 1e12 is refused by
// name before LibTorch is asked for terabytes, and that a product of a few never overflows.
inline constexpr long long kMaxWidth = 65536;  // embedding widths and factors: a table's columns
inline constexpr long long kMaxCount = 1024;   // layers, taste vectors, kernel widths, dilations

// Validates `node` (a JSON object) against `schema`: every key must be declared (except
// those in `reserved`, such as "plugin"), every value must fit, required keys must be
// present. Returns the node with defaults filled in. Errors name `path.key`; an unknown key
// suggests the closest declared name.
SPOTLIGHT_SDK_API nlohmann::json validate_parameters(const nlohmann::json& node, const ParameterList& schema,
                                                     const std::string& path,
                                                     const std::vector<std::string>& reserved = {});

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
SPOTLIGHT_SDK_API std::string join_path(const std::string& parent, const std::string& child);
// The declared name closest to `name` by edit distance, or "" when none is close.
SPOTLIGHT_SDK_API std::string closest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace spotlight
