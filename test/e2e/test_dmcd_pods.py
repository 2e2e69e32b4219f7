"""dmcd's pod routes (issue 15): POST /pods?name=P with pod-controller's
spec brings the pod up and answers its view once it runs or failed; GET
/pods lists pods, GET /pods/:name shows one, DELETE /pods/:name leaves
nothing of it; an unknown pod and a name in use are errors that change
nothing."""

import json

import harness
from garden_errors import GardenError

SPEC = {
    "initContainers": [{"name": "prep", "process": {"args": ["/bin/true"]}}],
    "containers": [{"name": "web", "process": {"args": ["/bin/sleep", "1000"]},
                    "readinessProbe": {"exec": ["/bin/true"], "periodSeconds": 1}}],
}


class PodRoutes(harness.DmcdTestCase):
    def up(self, name, spec):
        return self.client.call("POST", "/pods", query={"name": name}, payload=spec)

    def test_up_show_list_and_down_leave_nothing(self):
        name = harness.unique_handle("pod")
        self.adopt(f"{name}-web")
        view = self.up(name, SPEC)
        self.assertEqual(view["phase"], "running")
        self.assertEqual([c["name"] for c in view["containers"]], ["prep", "web"])
        self.assertEqual(view["containers"][0]["state"], "finished")
        self.assertIn(name, self.client.call("GET", "/pods"))
        shown = self.client.call("GET", f"/pods/{name}")
        self.assertEqual(shown["name"], name)
        self.assertEqual(shown["containers"][1]["handle"], f"{name}-web")
        self.assertIn(f"{name}-web", self.client.list())
        self.assertNotIn(f"{name}-prep", self.client.list())
        self.assertEqual(self.client.call("DELETE", f"/pods/{name}"), {})
        self.assertNotIn(name, self.client.call("GET", "/pods"))
        self.assertNotIn(f"{name}-web", self.client.list())
        self.assertGone(f"{name}-web")

    def test_a_failing_init_container_answers_a_failed_pod(self):
        name = harness.unique_handle("pod")
        spec = json.loads(json.dumps(SPEC))
        spec["initContainers"][0]["process"]["args"] = ["/bin/sh", "-c", "exit 4"]
        view = self.up(name, spec)
        self.assertEqual(view["phase"], "failed")
        self.assertFalse(view["healthy"])
        self.assertEqual(view["error"], "init container 'prep' exited with status 4")
        self.assertEqual(self.client.call("DELETE", f"/pods/{name}"), {})

    def test_unknown_pods_and_names_in_use_are_errors(self):
        with self.assertRaises(GardenError):
            self.client.call("GET", "/pods/nope")
        with self.assertRaises(GardenError):
            self.client.call("DELETE", "/pods/nope")
        name = harness.unique_handle("pod")
        self.adopt(f"{name}-web")
        self.up(name, SPEC)
        with self.assertRaises(GardenError):
            self.up(name, SPEC)
        with self.assertRaises(GardenError):
            self.client.call("POST", "/pods", payload=SPEC)  # no name
        self.assertEqual(self.client.call("GET", "/pods").count(name), 1)
        self.assertEqual(self.client.call("DELETE", f"/pods/{name}"), {})


if __name__ == "__main__":
    harness.main()
