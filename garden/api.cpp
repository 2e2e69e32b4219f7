#include "garden/api.hpp"

#include <string_view>

#include "garden/process_session.hpp"

namespace dmc::garden {
namespace {

// Splits "/containers/:handle/info" into segments.
std::vector<std::string_view> split(std::string_view pattern) {
  std::vector<std::string_view> out;
  pattern.remove_prefix(1);
  for (size_t pos; (pos = pattern.find('/')) != std::string_view::npos;) {
    out.push_back(pattern.substr(0, pos));
    pattern.remove_prefix(pos + 1);
  }
  out.push_back(pattern);
  return out;
}

// The path's parameters if it matches the pattern.
std::optional<std::map<std::string, std::string>> match(std::string_view pattern,
                                                        const std::vector<std::string>& path) {
  auto parts = split(pattern);
  if (parts.size() != path.size()) return std::nullopt;
  std::map<std::string, std::string> params;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].starts_with(':')) params[std::string(parts[i].substr(1))] = path[i];
    else if (parts[i] != path[i]) return std::nullopt;
  }
  return params;
}

Response json_response(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

const Api::RouteEntry Api::kRoutes[] = {
    {"ping", "GET", "/ping", &Api::ping, false},
    {"capacity", "GET", "/capacity", &Api::capacity, false},
    {"list", "GET", "/containers", &Api::list, false},
    {"create", "POST", "/containers", &Api::create, false},
    {"bulk_info", "GET", "/containers/bulk_info", &Api::bulk_info, false},
    {"bulk_metrics", "GET", "/containers/bulk_metrics", &Api::bulk_metrics, false},
    {"info", "GET", "/containers/:handle/info", &Api::info, true},
    {"destroy", "DELETE", "/containers/:handle", &Api::destroy, false},
    {"stop", "PUT", "/containers/:handle/stop", &Api::stop, true},
    {"stream_in", "PUT", "/containers/:handle/files", &Api::stream_in, true},
    {"stream_out", "GET", "/containers/:handle/files", &Api::stream_out, true},
    {"limits_bandwidth", "GET", "/containers/:handle/limits/bandwidth", &Api::limits_empty, true},
    {"limits_cpu", "GET", "/containers/:handle/limits/cpu", &Api::limits_cpu, true},
    {"limits_disk", "GET", "/containers/:handle/limits/disk", &Api::limits_empty, true},
    {"limits_memory", "GET", "/containers/:handle/limits/memory", &Api::limits_memory, true},
    {"net_in", "POST", "/containers/:handle/net/in", &Api::net_unsupported, true},
    {"net_out", "POST", "/containers/:handle/net/out", &Api::net_unsupported, true},
    {"bulk_net_out", "POST", "/containers/:handle/net/out/bulk", &Api::net_unsupported, true},
    {"stdout_stream", "GET", "/containers/:handle/processes/:pid/attaches/:streamid/stdout", &Api::stdout_stream, false},
    {"stderr_stream", "GET", "/containers/:handle/processes/:pid/attaches/:streamid/stderr", &Api::stderr_stream, false},
    {"run", "POST", "/containers/:handle/processes", &Api::run, false},
    {"attach", "GET", "/containers/:handle/processes/:pid", &Api::attach, false},
    {"set_grace_time", "PUT", "/containers/:handle/grace_time", &Api::set_grace_time, false},
    {"properties", "GET", "/containers/:handle/properties", &Api::properties, true},
    {"property", "GET", "/containers/:handle/properties/:key", &Api::property, true},
    {"set_property", "PUT", "/containers/:handle/properties/:key", &Api::set_property, true},
    {"remove_property", "DELETE", "/containers/:handle/properties/:key", &Api::remove_property, true},
    {"metrics", "GET", "/containers/:handle/metrics", &Api::metrics, true},
    {"scrape", "GET", "/metrics", &Api::scrape, false},
    {"events", "GET", "/events", &Api::events, false},
    {"pause", "PUT", "/containers/:handle/pause", &Api::pause, true},
    {"resume", "PUT", "/containers/:handle/resume", &Api::resume, true},
    {"services", "GET", "/containers/:handle/services", &Api::services, true},
    {"add_service", "POST", "/containers/:handle/services", &Api::add_service, true},
    {"service", "GET", "/containers/:handle/services/:name", &Api::service, true},
    {"remove_service", "DELETE", "/containers/:handle/services/:name", &Api::remove_service, true},
    {"stop_service", "PUT", "/containers/:handle/services/:name/stop", &Api::stop_service, true},
    {"start_service", "PUT", "/containers/:handle/services/:name/start", &Api::start_service, true},
    {"restart_service", "PUT", "/containers/:handle/services/:name/restart", &Api::restart_service, true},
    {"pods", "GET", "/pods", &Api::pods, false},
    {"pod_up", "POST", "/pods", &Api::pod_up, false},
    {"pod", "GET", "/pods/:name", &Api::pod, false},
    {"pod_down", "DELETE", "/pods/:name", &Api::pod_down, false},
};

Api::Api(uv_loop_t* loop, containerizer::Containerizer& containerizer,
         supervisor::Services& services, supervisor::Pods& pods, ApiConfig config, Logger logger)
    : loop_(loop),
      containerizer_(containerizer),
      services_(services),
      pods_(pods),
      config_(std::move(config)),
      logger_(std::move(logger)),
      grace_(
          loop, [this](const std::string& handle) { destroy_expired(handle); },
          [this](const std::string& handle, int64_t) { note_countdown(handle); }),
      streams_(std::make_unique<StreamRegistry>(loop)) {}

Api::~Api() = default;

void Api::handle(std::shared_ptr<Exchange> exchange) {
  const Request& request = exchange->request();
  std::string allowed;
  for (const auto& entry : kRoutes) {
    auto params = match(entry.pattern, request.segments);
    if (!params) continue;
    if (request.method != entry.method) {
      allowed += allowed.empty() ? entry.method : std::string(", ") + entry.method;
      continue;
    }
    meter(*exchange, entry.name);
    Call call{std::move(exchange), nullptr, entry.name};
    auto handle = params->find("handle");
    if (entry.counted && handle != params->end()) call.hold = hold(handle->second);
    logger_.info(fmt::format("{}.started", entry.name),
                 {{"handle", handle != params->end() ? handle->second : ""}});
    (this->*entry.route)(call, *params);
    return;
  }
  meter(*exchange, "unknown");
  Error error = make_error(ErrorKind::Invalid, "unknown route: {} {}", request.method,
                           request.target);
  Response response = json_response(allowed.empty() ? 404 : 405, error_json(error).body);
  if (!allowed.empty()) {
    error.message = fmt::format("method {} not allowed on {}", request.method, request.target);
    response.body = error_json(error).body;
    response.headers.emplace_back("Allow", allowed);
  }
  exchange->respond(std::move(response));
}

std::shared_ptr<void> Api::hold(const std::string& handle) {
  grace_.hold(handle);
  return std::shared_ptr<void>(nullptr, [this, handle](void*) { grace_.release(handle); });
}

void Api::with_body(const X& x, std::function<void(std::string)> f) {
  x->read_body(config_.body_limit, [this, x, f = std::move(f)](Result<std::string> body) {
    if (!body) return fail(x, body.error());
    f(std::move(*body));
  });
}

void Api::fail(const X& x, const Error& error, const std::string& handle,
               const std::string& process_id) {
  auto wire = error_json(error, handle, process_id);
  logger_.error(fmt::format("{}.failed", x.name), error, {{"handle", handle}});
  x->respond(json_response(wire.status, std::move(wire.body)));
}

void Api::answer(const X& x, Result<std::string> result, const std::string& handle,
                 const std::string& process_id) {
  if (!result) return fail(x, result.error(), handle, process_id);
  logger_.info(fmt::format("{}.finished", x.name), {{"handle", handle}});
  x->respond(json_response(200, std::move(*result)));
}

void Api::json_work(const X& x, const std::string& handle,
                    std::function<Result<std::string>()> work) {
  async<std::string>(std::move(work),
                     [this, x, handle](Result<std::string> r) { answer(x, std::move(r), handle); });
}

}  // namespace dmc::garden
