"""dmcd's routes for services (issue 15): add, list, get, stop, start,
restart and remove, on the same depot and supervisor as `dmc service`,
with the errors a client gets for an unknown container or service and a
bad body."""

import json

import harness
import machine
from garden_errors import ContainerNotFoundError, GardenError


class Services(harness.DmcdTestCase):
    def services(self, handle):
        return self.client.call("GET", f"/containers/{handle}/services")

    def ask(self, handle, name, what):
        return self.client.call("PUT", f"/containers/{handle}/services/{name}/{what}")

    def add(self, handle, spec):
        return self.client.call("POST", f"/containers/{handle}/services", payload=spec)

    def sleeps(self, handle):
        result = self.env.dmc("ps", handle, "--json")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return [p for p in json.loads(result.stdout) if p["state"] == "running"
                and p["command"][:2] == ["/bin/sleep", "1000"]]

    def test_a_service_through_its_life(self):
        handle = self.create()
        view = self.add(handle, {"name": "web", "stop_grace_ms": 2000,
                                 "process": {"path": "/bin/sleep", "args": ["1000"]}})
        self.assertEqual(view["state"], "running")
        self.assertEqual(view["process"], "web.1")
        self.assertTrue(view["supervised"])
        self.assertEqual([v["name"] for v in self.services(handle)], ["web"])
        self.assertEqual(self.client.call("GET", f"/containers/{handle}/services/web")["generation"], 1)
        # The CLI sees the same service on the same depot.
        cli = json.loads(self.env.dmc("service", "ls", handle, "--json").stdout)
        self.assertEqual(cli[0]["process"], "web.1")

        self.assertEqual(self.ask(handle, "web", "stop")["state"], "stopped")
        self.assertEqual(self.sleeps(handle), [])
        started = self.ask(handle, "web", "start")
        self.assertEqual((started["state"], started["generation"]), ("running", 2))
        restarted = self.ask(handle, "web", "restart")
        self.assertEqual((restarted["state"], restarted["generation"]), ("running", 3))
        self.assertTrue(machine.eventually(lambda: len(self.sleeps(handle)) == 1))
        self.assertEqual(self.client.call("DELETE", f"/containers/{handle}/services/web"), {})
        self.assertEqual(self.services(handle), [])
        self.assertTrue(machine.eventually(lambda: self.sleeps(handle) == []))

    def test_errors(self):
        handle = self.create()
        with self.assertRaises(ContainerNotFoundError):
            self.services("no-such-container")
        with self.assertRaises(GardenError) as unknown:
            self.ask(handle, "nope", "stop")
        self.assertIn("service 'nope' not found", str(unknown.exception.obj))
        with self.assertRaises(GardenError) as bad:
            self.add(handle, {"name": "../x", "process": {"path": "/bin/true"}})
        self.assertIn("invalid service name", str(bad.exception.obj))
        with self.assertRaises(GardenError):
            self.client.request("POST", f"/containers/{handle}/services", body=b"{not json")
        with self.assertRaises(GardenError):
            self.add(handle, {"name": "x"})  # no process
        self.assertEqual(self.services(handle), [])


if __name__ == "__main__":
    harness.main()
