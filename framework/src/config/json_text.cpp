#include "src/config/json_text.h"

#include <set>
#include <vector>

namespace spotlight {

namespace {

// Watches the parser's events for a key given twice in one object: nlohmann::json keeps the
// last one silently, so {"n_iter": 5, "n_iter": 50} would train 50 epochs on a file whose
// reader saw 5 first.
class DuplicateKeys {
 public:
  bool operator()(int, nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
        scopes_.push_back({true, {}, {}});
        break;
      case Event::array_start:
        scopes_.push_back({false, {}, {}});
        break;
      case Event::object_end:
      case Event::array_end:
        if (!scopes_.empty()) scopes_.pop_back();
        break;
      case Event::key: {
        Scope& scope = scopes_.back();
        scope.current = parsed.get<std::string>();
        if (!scope.keys.insert(scope.current).second) {
          throw JsonTextError{0, 0, "key \"" + scope.current + "\" appears twice in " + where()};
        }
        break;
      }
      case Event::value:
        break;
    }
    return true;
  }

 private:
  struct Scope {
    bool object;
    std::set<std::string> keys;
    std::string current;
  };

  // The enclosing object's path: "the top-level object", "\"training\"", "\"search.grid\"".
  std::string where() const {
    std::string path;
    for (size_t i = 0; i + 1 < scopes_.size(); ++i) {
      if (!scopes_[i].object) {
        path += "[]";
        continue;
      }
      path += (path.empty() ? "" : ".") + scopes_[i].current;
    }
    return path.empty() ? "the top-level object" : "\"" + path + "\"";
  }

  std::vector<Scope> scopes_;
};

// The 1-based line and column of byte `offset`.
JsonTextError at_offset(const std::string& text, size_t offset, std::string reason) {
  JsonTextError error{1, 1, std::move(reason)};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++error.line;
      error.column = 1;
    } else {
      ++error.column;
    }
  }
  return error;
}

// The offset of the first '[' or '{' nested deeper than kDeepestJsonNesting (outside strings), or npos.
size_t too_deep_at(const std::string& text) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kDeepestJsonNesting) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string::npos;
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text) {
  if (const size_t deep = too_deep_at(text); deep != std::string::npos) {
    throw at_offset(text, deep,
                    "arrays and objects nested deeper than " + std::to_string(kDeepestJsonNesting) + " levels");
  }
  try {
    return nlohmann::json::parse(text, DuplicateKeys());
  } catch (const nlohmann::json::parse_error& error) {
    // error.byte counts from 1 and points at the last byte read.
    const std::string what = error.what();
    const auto detail = what.find("syntax error");
    throw at_offset(text, error.byte > 0 ? error.byte - 1 : 0,
                    detail == std::string::npos ? what : what.substr(detail));
  } catch (const nlohmann::json::exception& error) {
    // A number too large for a double (1e400): the parser names it but not where it is.
    const std::string what = error.what();
    const auto detail = what.find("] ");
    throw JsonTextError{0, 0, detail == std::string::npos ? what : what.substr(detail + 2)};
  }
}

}  // namespace spotlight
