// dmcd's Garden API: every route of garden-protocol.md section 2, and three
// extensions: GET /metrics (Prometheus' text format), GET /events (the
// event journals as JSON lines), PUT .../pause and .../resume, and
// .../services (supervised processes); served on the transport of
// http_server.hpp by the containerizer. Container work runs off the loop;
// the loop only routes, encodes and shuttles bytes. dmcd keeps no state the
// depot does not hold: stream ids and grace countdowns are rebuilt from the
// depot after a restart (request counters live in memory, since start).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/log.hpp"
#include "containerizer/containerizer.hpp"
#include "garden/grace.hpp"
#include "garden/http_server.hpp"
#include "garden/process_session.hpp"
#include "garden/server_metrics.hpp"
#include "garden/wire_out.hpp"
#include "supervisor/pods.hpp"
#include "supervisor/services.hpp"

namespace dmc::garden {

struct ApiConfig {
  int64_t default_grace_ns = 0;  // 0: containers are never reaped
  uint64_t max_containers = 0;   // Capacity's figure
  std::string depot;             // Capacity's disk is the depot's filesystem
  size_t body_limit = 1 << 20;   // bytes of a JSON request body
};


class Api : public Handler {
 public:
  Api(uv_loop_t* loop, containerizer::Containerizer& containerizer,
      supervisor::Services& services, supervisor::Pods& pods, ApiConfig config, Logger logger);
  ~Api() override;
  // The transport, once it is made (it needs the Api as its Handler).
  void serve_on(Server& server) { server_ = &server; }
  // Grace countdowns for the containers already in the depot (off the loop;
  // then ready() on the loop).
  void resume(std::function<void()> ready);

  void handle(std::shared_ptr<Exchange> exchange) override;
  // dmcd's own figures, exported by GET /metrics.
  ServerMetrics& server_metrics() { return server_metrics_; }

 private:
  // A request being served: the exchange, and the hold it has on its
  // container's grace countdown (released when the last copy is gone).
  struct Call {
    std::shared_ptr<Exchange> exchange;
    std::shared_ptr<void> hold;
    const char* name = "";  // the route, for the logs: "create", ...
    Exchange* operator->() const { return exchange.get(); }
  };
  using X = Call;
  using Params = std::map<std::string, std::string>;
  using Route = void (Api::*)(const X&, const Params&);
  struct RouteEntry {
    const char* name;
    const char* method;
    const char* pattern;
    Route route;
    bool counted;  // holds the container's grace countdown while it runs
  };
  static const RouteEntry kRoutes[];

  // Runs work off the loop, then done(result) on the loop.
  template <class T>
  void async(std::function<Result<T>()> work, std::function<void(Result<T>)> done) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    server_->off_loop([slot, work = std::move(work)] { slot->emplace(work()); },
                      [slot, done = std::move(done)] { done(std::move(**slot)); });
  }
  // Reads the JSON body, then f(body).
  void with_body(const X& x, std::function<void(std::string)> f);
  void answer(const X& x, Result<std::string> result, const std::string& handle = "",
              const std::string& process_id = "");
  void fail(const X& x, const Error& error, const std::string& handle = "",
            const std::string& process_id = "");
  // Runs work off the loop and answers with its JSON text, or the error.
  void json_work(const X& x, const std::string& handle,
                 std::function<Result<std::string>()> work);
  std::shared_ptr<void> hold(const std::string& handle);
  // A grace countdown started: its start is kept in the depot.
  void note_countdown(const std::string& handle);

  // routes_containers.cpp
  void ping(const X&, const Params&);
  void capacity(const X&, const Params&);
  void list(const X&, const Params&);
  void create(const X&, const Params&);
  void info(const X&, const Params&);
  void bulk_info(const X&, const Params&);
  void bulk_metrics(const X&, const Params&);
  void destroy(const X&, const Params&);
  void stop(const X&, const Params&);
  void metrics(const X&, const Params&);
  void limits_memory(const X&, const Params&);
  void limits_cpu(const X&, const Params&);
  void limits_empty(const X&, const Params&);
  void net_unsupported(const X&, const Params&);
  void set_grace_time(const X&, const Params&);
  void properties(const X&, const Params&);
  void property(const X&, const Params&);
  void set_property(const X&, const Params&);
  void remove_property(const X&, const Params&);
  // routes_events.cpp: GET /events, and pause / resume.
  void events(const X&, const Params&);
  void pause(const X&, const Params&);
  void resume(const X&, const Params&);
  void start_events(const X& x, const containerizer::EventFilter& filter, bool follow);
  // routes_services.cpp: a container's services (supervisor/services.hpp).
  void services(const X&, const Params&);
  void add_service(const X&, const Params&);
  void service(const X&, const Params&);
  void stop_service(const X&, const Params&);
  void start_service(const X&, const Params&);
  void restart_service(const X&, const Params&);
  void remove_service(const X&, const Params&);
  void ask_service(const X& x, const Params& p, supervisor::Ask ask);
  // routes_pods.cpp: pods (supervisor/pods.hpp).
  void pods(const X&, const Params&);
  void pod_up(const X&, const Params&);
  void pod(const X&, const Params&);
  void pod_down(const X&, const Params&);
  // routes_scrape.cpp: GET /metrics, Prometheus' text format.
  void scrape(const X&, const Params&);
  Result<std::vector<ContainerReading>> read_containers() const;
  // Counts the exchange's answer under route when it is sent.
  void meter(Exchange& exchange, const char* route);
  // routes_files.cpp
  void stream_in(const X&, const Params&);
  void stream_out(const X&, const Params&);
  // routes_processes.cpp
  void run(const X&, const Params&);
  void attach(const X&, const Params&);
  void stdout_stream(const X&, const Params&);
  void stderr_stream(const X&, const Params&);
  void output_stream(const X&, const Params&, bool stderr);
  void start_session(const X& x, int status, const std::string& handle,
                     const std::string& id, uint32_t token, process_tracker::Attachment attachment,
                     std::unique_ptr<StdinPipe> stdin_pipe);
  SessionHooks hooks_for(const std::string& handle, const std::string& id,
                         const std::string& stream_id);
  void destroy_expired(const std::string& handle);
  Result<std::string> info_text(const std::string& handle) const;

  uv_loop_t* loop_;
  containerizer::Containerizer& containerizer_;
  supervisor::Services& services_;
  supervisor::Pods& pods_;
  ApiConfig config_;
  Logger logger_;
  Server* server_ = nullptr;
  GraceReaper grace_;
  std::unique_ptr<StreamRegistry> streams_;
  std::set<std::string> destroying_;
  std::map<Session*, std::unique_ptr<Session>> sessions_;
  std::map<uint64_t, X> event_streams_;  // GET /events being answered, by id
  uint64_t event_streams_made_ = 0;
  ServerMetrics server_metrics_;
};

}  // namespace dmc::garden
