// dmcd's routes for pods (as `dmc pod` on the CLI): the body of an up is
// pod-controller's spec (supervisor/pod_spec.hpp), the answers the JSON of
// supervisor/pods.hpp's pod_view_json.
//   GET    /pods               ["name"...]
//   POST   /pods?name=P        a pod spec -> the pod's view, once it runs or failed
//   GET    /pods/:name         the pod's view
//   DELETE /pods/:name         {} once its containers and state are gone
#include "common/json.hpp"
#include "garden/api.hpp"
#include "garden/wire_out.hpp"

namespace dmc::garden {

void Api::pods(const X& x, const Params&) {
  json_work(x, "", [this]() -> Result<std::string> {
    DMC_TRY(names, pods_.list());
    std::string out = "[";
    for (size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + json::quote(names[i]);
    return out + "]";
  });
}

void Api::pod_up(const X& x, const Params&) {
  // The body is read before any answer, a refusal too.
  std::string name = x->request().param("name").value_or("");
  with_body(x, [this, x, name](std::string body) {
    json_work(x, "", [this, name, body = std::move(body)]() -> Result<std::string> {
      if (name.empty()) {
        return make_error(ErrorKind::Invalid, "pod up: the query parameter name is required");
      }
      DMC_TRY(view, pods_.up(body, name));
      return supervisor::pod_view_json(view);
    });
  });
}

void Api::pod(const X& x, const Params& p) {
  std::string name = p.at("name");
  json_work(x, "", [this, name]() -> Result<std::string> {
    DMC_TRY(view, pods_.status(name));
    return supervisor::pod_view_json(view);
  });
}

void Api::pod_down(const X& x, const Params& p) {
  std::string name = p.at("name");
  json_work(x, "", [this, name]() -> Result<std::string> {
    DMC_CHECK(pods_.down(name));
    return empty_json();
  });
}

}  // namespace dmc::garden
