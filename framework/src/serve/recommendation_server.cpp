#include "spotlight/framework/serve/recommendation_server.h"

#include <charconv>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

// Keys in the order written, so a reply reads "user" before its "recommendations".
using json = nlohmann::ordered_json;

// A refusal with its HTTP status.
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

std::string error_body(const std::string& message) {
  return json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void reply(httplib::Response& response, const json& body) {
  response.status = 200;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

json recommendation_list(const std::vector<Recommendation>& best) {
  json list = json::array();
  for (const auto& recommendation : best) list.push_back({{"item", recommendation.item}, {"score", recommendation.score}});
  return list;
}

int64_t parse_k(const std::string& text, int64_t highest) {
  int64_t k = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), k);
  if (error != std::errc() || end != text.data() + text.size() || k < 1 || k > highest) {
    throw HttpError(400, "k must be a whole number from 1 to " + std::to_string(highest));
  }
  return k;
}

bool parse_flag(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  throw HttpError(400, name + " must be true or false");
}

std::string required_parameter(const httplib::Request& request, const std::string& name) {
  if (!request.has_param(name.c_str())) throw HttpError(400, "the query needs " + name + "=ID");
  return request.get_param_value(name.c_str());
}

int64_t query_k(const httplib::Request& request, int64_t highest) {
  return request.has_param("k") ? parse_k(request.get_param_value("k"), highest) : std::min<int64_t>(10, highest);
}

// Item ids in a request body: strings, or whole numbers written as JSON numbers.
std::vector<std::string> item_list(const json& items, const char* key) {
  if (!items.is_array()) throw HttpError(400, std::string("\"") + key + "\" must be an array of item ids");
  std::vector<std::string> ids;
  for (const auto& item : items) {
    if (item.is_string()) ids.push_back(item.get<std::string>());
    else if (item.is_number_integer()) ids.push_back(item.dump());
    else throw HttpError(400, std::string("\"") + key + "\" must hold item ids (strings or whole numbers)");
  }
  return ids;
}

}  // namespace

struct RecommendationServer::Impl {
  LoadedCheckpoint& saved;
  Recommender& recommender;
  ServeOptions options;
  httplib::Server server;
  int port = -1;

  Impl(LoadedCheckpoint& saved, Recommender& recommender, ServeOptions options)
      : saved(saved), recommender(recommender), options(std::move(options)) {}

  // Runs `answer`, turning every failure into a one-line JSON error with its status.
  template <class Answer>
  httplib::Server::Handler guarded(Answer answer) {
    return [answer](const httplib::Request& request, httplib::Response& response) {
      try {
        answer(request, response);
      } catch (const HttpError& error) {
        response.status = error.status;
        response.set_content(error_body(error.what()), "application/json");
      } catch (const DataError& error) {
        response.status = 404;  // an id the model does not know
        response.set_content(error_body(error.what()), "application/json");
      } catch (const Error& error) {
        response.status = 422;  // a question this model cannot answer
        response.set_content(error_body(error.what()), "application/json");
      } catch (const std::exception& error) {
        response.status = 500;
        response.set_content(error_body(error.what()), "application/json");
      }
    };
  }

  void routes() {
    server.Get("/health", guarded([](const httplib::Request&, httplib::Response& response) {
                 reply(response, {{"status", "ok"}});
               }));
    server.Get("/model", guarded([this](const httplib::Request&, httplib::Response& response) {
                 json plugins = json::array();
                 for (const auto& plugin : saved.assembled.plugins) {
                   plugins.push_back({{"name", plugin.name}, {"kind", plugin.kind}, {"version", plugin.version}});
                 }
                 reply(response, {{"model_type", saved.assembled.resolved.at("model").at("type")},
                                  {"num_users", recommender.num_users()},
                                  {"num_items", recommender.num_items()},
                                  {"plugins", plugins},
                                  {"experiment", saved.assembled.resolved}});
               }));
    server.Get("/recommend", guarded([this](const httplib::Request& request, httplib::Response& response) {
                 const auto user = required_parameter(request, "user");
                 const int64_t k = query_k(request, recommender.max_k());
                 const bool include_seen =
                     request.has_param("include_seen") && parse_flag("include_seen", request.get_param_value("include_seen"));
                 const auto best = recommender.for_users({recommender.user_id(user)}, k, include_seen).front();
                 reply(response, {{"user", user}, {"recommendations", recommendation_list(best)}});
               }));
    server.Post("/recommend", guarded([this](const httplib::Request& request, httplib::Response& response) {
                  json body;
                  try {
                    body = json::parse(request.body);
                  } catch (const json::exception&) {
                    throw HttpError(400, "the body is not valid JSON");
                  }
                  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object");
                  const char* key = body.contains("sequence") ? "sequence" : "items";
                  if (!body.contains(key)) throw HttpError(400, "the body needs \"sequence\" or \"items\": the items seen so far");
                  for (const auto& [name, value] : body.items()) {
                    if (name != "sequence" && name != "items" && name != "k" && name != "include_seen") {
                      throw HttpError(400, "unknown key \"" + name + "\" (keys: sequence or items, k, include_seen)");
                    }
                  }
                  if (!recommender.scores_sequences()) {
                    throw HttpError(422, "this factorization model knows users by id and cannot place a new user; "
                                         "ask GET /recommend?user=ID, or serve a sequence model");
                  }
                  int64_t k = std::min<int64_t>(10, recommender.max_k());
                  if (body.contains("k")) {
                    if (!body["k"].is_number_integer()) throw HttpError(400, "k must be a whole number");
                    k = parse_k(body["k"].dump(), recommender.max_k());
                  }
                  bool include_seen = false;
                  if (body.contains("include_seen")) {
                    if (!body["include_seen"].is_boolean()) throw HttpError(400, "include_seen must be true or false");
                    include_seen = body["include_seen"].get<bool>();
                  }
                  const auto items = item_list(body[key], key);
                  if (items.size() > 100000) throw HttpError(413, "at most 100000 items in a sequence");
                  reply(response, {{"recommendations", recommendation_list(recommender.for_sequence(items, k, include_seen))}});
                }));
    server.Get("/similar", guarded([this](const httplib::Request& request, httplib::Response& response) {
                 const auto item = required_parameter(request, "item");
                 const int64_t k = query_k(request, recommender.max_k());
                 json similar = json::array();
                 for (const auto& neighbour : recommender.similar_items(item, k)) {
                   similar.push_back({{"item", neighbour.item}, {"similarity", neighbour.score}});
                 }
                 reply(response, {{"item", item}, {"similar", similar}});
               }));
    // What cpp-httplib refuses by itself (unknown path, oversized body, malformed request).
    server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
      if (!response.body.empty()) return;
      std::string message = "request refused";
      if (response.status == 404) message = "no such endpoint: " + request.method + " " + request.path +
                                            " (endpoints: GET /recommend, POST /recommend, GET /similar, GET /health, GET /model)";
      else if (response.status == 413) message = "the body is too large";
      else if (response.status == 400) message = "malformed request";
      response.set_content(error_body(message), "application/json");
    });
    server.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
      response.status = 500;
      response.set_content(error_body("internal error"), "application/json");
    });
  }
};

RecommendationServer::RecommendationServer(LoadedCheckpoint& saved, Recommender& recommender, ServeOptions options)
    : impl_(std::make_unique<Impl>(saved, recommender, std::move(options))) {
  auto& server = impl_->server;
  const int threads = std::max(1, impl_->options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // Answers are small: without TCP_NODELAY, Nagle and delayed ACKs add 40 ms to each.
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(impl_->options.max_body_bytes);
  server.set_read_timeout(impl_->options.timeout_seconds, 0);
  server.set_write_timeout(impl_->options.timeout_seconds, 0);
  server.set_keep_alive_timeout(impl_->options.timeout_seconds);
  impl_->routes();
}

RecommendationServer::~RecommendationServer() = default;

int RecommendationServer::bind() {
  auto& impl = *impl_;
  const bool bound = impl.options.port == 0 ? (impl.port = impl.server.bind_to_any_port(impl.options.host)) > 0
                                            : impl.server.bind_to_port(impl.options.host, impl.options.port);
  if (!bound) {
    throw Error("cannot listen on " + impl.options.host + ":" + std::to_string(impl.options.port) +
                " (address in use, not an address of this machine, or a port that needs privileges)");
  }
  if (impl.options.port != 0) impl.port = impl.options.port;
  return impl.port;
}

int RecommendationServer::port() const { return impl_->port; }

void RecommendationServer::run() {
  if (impl_->port < 0) bind();
  impl_->server.listen_after_bind();
}

void RecommendationServer::stop() { impl_->server.stop(); }

}  // namespace spotlight
