// dmcd's routes for services (an extension of the Garden API, as `dmc
// service` on the CLI): the body and answers are the JSON of
// supervisor/service.hpp and supervisor/service_view.hpp.
//   GET    /containers/:handle/services                 [view...]
//   POST   /containers/:handle/services                 a service spec -> its view, once it runs
//   GET    /containers/:handle/services/:name           view
//   PUT    /containers/:handle/services/:name/stop      view, once stopped
//   PUT    /containers/:handle/services/:name/start     view, once running
//   PUT    /containers/:handle/services/:name/restart   view, once running again
//   DELETE /containers/:handle/services/:name           {} once removed
#include "garden/api.hpp"
#include "garden/wire_out.hpp"
#include "supervisor/service_view.hpp"

namespace dmc::garden {

void Api::services(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_TRY(views, services_.list(handle));
    return supervisor::views_json(views);
  });
}

void Api::add_service(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  with_body(x, [this, x, handle](std::string body) {
    json_work(x, handle, [this, handle, body = std::move(body)]() -> Result<std::string> {
      DMC_TRY(spec, supervisor::service_from_json(body));
      DMC_TRY(view, services_.add(handle, spec));
      return supervisor::view_json(view);
    });
  });
}

void Api::service(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  std::string name = p.at("name");
  json_work(x, handle, [this, handle, name]() -> Result<std::string> {
    DMC_TRY(view, services_.get(handle, name));
    return supervisor::view_json(view);
  });
}

void Api::ask_service(const X& x, const Params& p, supervisor::Ask ask) {
  std::string handle = p.at("handle");
  std::string name = p.at("name");
  json_work(x, handle, [this, handle, name, ask]() -> Result<std::string> {
    DMC_TRY(view, services_.ask(handle, name, ask, "server"));
    return ask == supervisor::Ask::Remove ? empty_json() : supervisor::view_json(view);
  });
}

void Api::stop_service(const X& x, const Params& p) { ask_service(x, p, supervisor::Ask::Stop); }
void Api::start_service(const X& x, const Params& p) { ask_service(x, p, supervisor::Ask::Start); }
void Api::restart_service(const X& x, const Params& p) {
  ask_service(x, p, supervisor::Ask::Restart);
}
void Api::remove_service(const X& x, const Params& p) {
  ask_service(x, p, supervisor::Ask::Remove);
}

}  // namespace dmc::garden
