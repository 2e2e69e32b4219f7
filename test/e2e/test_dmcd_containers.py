"""dmcd's container routes: ping, capacity, create, list, info, bulk, metrics, destroy."""

import json
import os

import harness
import machine
from garden_client import Client, ContainerNotFoundError, GardenError, bulk_entry_error


def meminfo_total_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


class Containers(harness.DmcdTestCase):

    def test_ping_answers_an_empty_object(self):
        response = self.client.request("GET", "/ping")
        self.assertEqual(response.status, 200)
        self.assertEqual(json.loads(response.body), {})

    def test_capacity_reports_the_host(self):
        capacity = self.client.capacity()
        for key in ("memory_in_bytes", "disk_in_bytes", "schedulable_disk_in_bytes",
                    "max_containers"):
            self.assertIsInstance(capacity.get(key), int, capacity)
            self.assertGreater(capacity[key], 0, key)
        self.assertEqual(capacity["memory_in_bytes"], meminfo_total_bytes())
        fs = os.statvfs(self.env.depot)
        self.assertIn(capacity["disk_in_bytes"], (fs.f_blocks * fs.f_frsize,
                                                  fs.f_blocks * fs.f_bsize))

    def test_create_with_a_handle_names_the_container_and_its_host(self):
        handle = harness.unique_handle("named")
        self.assertEqual(self.create(handle=handle), handle)
        self.assertIn(handle, self.client.list())
        self.assertEqual(self.sh(handle, "hostname"), (0, handle.encode() + b"\n", b""))

    def test_create_without_a_handle_generates_one_of_at_most_49_characters(self):
        handle = self.adopt(self.client.create())
        self.assertRegex(handle, r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
        self.assertLessEqual(len(handle), 49)
        other = self.adopt(self.client.create())
        self.assertNotEqual(handle, other)
        self.assertEqual(self.sh(handle, "hostname"), (0, handle.encode() + b"\n", b""))
        self.assertIn(handle, self.client.list())

    def test_a_long_handle_gives_its_last_49_characters_as_hostname(self):
        handle = harness.unique_handle("long-" + "x" * 60)
        self.create(handle=handle)
        self.assertEqual(self.sh(handle, "hostname"), (0, handle[-49:].encode() + b"\n", b""))

    def test_a_duplicate_handle_is_refused_and_the_first_container_kept(self):
        handle = self.create()
        with self.assertRaises(GardenError) as caught:
            self.client.create(handle=handle)
        self.assertGardenError(caught, "", f"Handle '{handle}' already in use", 500)
        self.assertEqual(self.client.list().count(handle), 1)
        self.assertEqual(self.sh(handle, "true")[0], 0)

    def test_a_handle_is_free_again_after_destroy(self):
        handle = self.create(properties={"generation": "1"})
        self.client.destroy(handle)
        self.assertEqual(self.create(handle=handle, properties={"generation": "2"}), handle)
        self.assertEqual(self.client.property(handle, "generation"), "2")

    def test_list_filters_by_every_property_given(self):
        owner = harness.unique_handle("owner")
        odd = "y z/,+&é"
        a = self.create(properties={"owner": owner, "team": "x"})
        b = self.create(properties={"owner": owner, "team": odd})
        c = self.create(properties={"owner": owner + "-other", "team": "x"})
        self.assertEqual(sorted(self.client.list({"owner": owner})), sorted([a, b]))
        self.assertEqual(self.client.list({"owner": owner, "team": odd}), [b])
        self.assertEqual(self.client.list({"owner": owner, "team": "x"}), [a])
        self.assertEqual(self.client.list({"owner": harness.unique_handle("nobody")}), [])
        everything = self.client.list()
        for handle in (a, b, c):
            self.assertIn(handle, everything)

    def test_info_shows_state_properties_path_events_and_no_ports(self):
        handle = self.create(properties={"k": "v"})
        info = self.client.info(handle)
        self.assertEqual(info["State"], "active")
        self.assertEqual(info["Properties"]["k"], "v")
        self.assertIsInstance(info["ContainerPath"], str)
        self.assertTrue(os.path.isdir(info["ContainerPath"]), info["ContainerPath"])
        self.assertIn("Events", info)
        self.assertIn(info["Events"], (None, []))
        self.assertEqual(info["MappedPorts"], [])
        for key in ("HostIP", "ContainerIP", "ExternalIP"):
            self.assertEqual(info.get(key, ""), "", key)

    def test_bulk_info_answers_each_handle_and_an_error_for_an_unknown_one(self):
        a = self.create(properties={"name": "a"})
        b = self.create(properties={"name": "b"})
        unknown = harness.unique_handle("unknown")
        bulk = self.client.bulk_info([a, b, unknown])
        self.assertEqual(sorted(bulk), sorted([a, b, unknown]))
        for handle, name in ((a, "a"), (b, "b")):
            self.assertIsNone(bulk[handle]["Err"])
            self.assertEqual(bulk[handle]["Info"]["State"], "active")
            self.assertEqual(bulk[handle]["Info"]["Properties"]["name"], name)
        self.assertUnknownEntry(bulk[unknown], unknown)

    def assertUnknownEntry(self, entry, handle):
        err = entry["Err"]
        self.assertEqual(sorted(err), sorted(["Type", "Message", "Handle", "ProcessID", "Binary"]))
        self.assertIn(err["Type"], ("", "ContainerNotFoundError"))
        self.assertIn(handle, bulk_entry_error(entry).message)

    def test_bulk_routes_with_no_handles_answer_an_empty_object(self):
        self.create()
        self.assertEqual(self.client.bulk_info([]), {})
        self.assertEqual(self.client.bulk_metrics([]), {})
        for route in ("bulk_info", "bulk_metrics"):
            self.assertEqual(self.client.call("GET", f"/containers/{route}"), {}, route)

    def test_metrics_after_a_process_ran(self):
        handle = self.create()
        self.assertEqual(self.sh(handle, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done")[0], 0)
        metrics = self.client.metrics(handle)
        self.assertGreater(metrics["MemoryStat"]["TotalUsageTowardLimit"], 0)
        self.assertGreater(metrics["CPUStat"]["Usage"], 0)
        self.assertGreater(metrics["PidStat"]["Current"], 0)
        self.assertEqual(metrics["PidStat"]["Max"], 0)
        self.assertGreater(metrics["Age"], 0)
        for key in ("DiskStat", "CPUEntitlement"):
            self.assertIn(key, metrics)
        for key in ("Usage", "User", "System"):
            self.assertIsInstance(metrics["CPUStat"][key], int)
        later = self.client.metrics(handle)
        self.assertGreater(later["Age"], metrics["Age"])

    def test_metrics_report_the_pid_limit(self):
        handle = self.create(limits={"pid_limits": {"max": 128}})
        self.assertEqual(self.client.metrics(handle)["PidStat"]["Max"], 128)

    def test_bulk_metrics_answers_each_handle_and_an_error_for_an_unknown_one(self):
        a = self.create()
        unknown = harness.unique_handle("unknown")
        bulk = self.client.bulk_metrics([a, unknown])
        self.assertEqual(sorted(bulk), sorted([a, unknown]))
        self.assertIsNone(bulk[a]["Err"])
        self.assertGreater(bulk[a]["Metrics"]["MemoryStat"]["TotalUsageTowardLimit"], 0)
        self.assertGreater(bulk[a]["Metrics"]["Age"], 0)
        self.assertUnknownEntry(bulk[unknown], unknown)

    def test_destroy_kills_processes_and_leaves_nothing(self):
        handle = self.create(limits={"memory_limits": {"limit_in_bytes": 64 << 20}})
        process = self.client.run(handle, "sleep", ["1000"])
        self.assertTrue(machine.cgroup_dirs(handle))
        self.assertEqual(self.client.destroy(handle), {})
        try:
            self.assertEqual(process.wait(), 137)
        except Exception as e:  # noqa: BLE001 - an error payload is allowed too
            self.assertIn("connection", str(e))
        self.assertNotIn(handle, self.client.list())
        self.assertGone(handle)

    def test_destroy_of_an_unknown_handle_is_a_typed_404(self):
        handle = harness.unique_handle("never")
        with self.assertRaises(ContainerNotFoundError) as caught:
            self.client.destroy(handle)
        self.assertGardenError(caught, "ContainerNotFoundError", f"unknown handle: {handle}", 404)
        self.assertEqual(caught.exception.obj["Handle"], handle)
        self.assertEqual(caught.exception.obj["ProcessID"], "")

    def test_logs_are_lager_json_lines(self):
        self.create()
        lines = [line for line in self.server.log().splitlines() if line.strip()]
        self.assertTrue(lines)
        for line in lines:
            event = json.loads(line)
            for key in ("timestamp", "source", "message", "data"):
                self.assertIn(key, event, line)
            self.assertTrue("level" in event or "log_level" in event, line)
            self.assertRegex(event["message"], r"^dmcd\.\S+$", line)


class TcpListener(harness.DmcdTestCase):
    tcp = True

    def test_the_tcp_listener_serves_plain_and_hijacked_routes(self):
        tcp = Client(self.server.tcp_address)
        self.assertEqual(tcp.ping(), {})
        handle = self.create(client=tcp)
        self.assertIn(handle, tcp.list())
        process = tcp.run(handle, "sh", ["-c", "echo over tcp; exit 9"])
        self.assertEqual(process.wait(), 9)
        self.assertEqual(process.out(), b"over tcp\n")
        self.assertEqual(tcp.destroy(handle), {})
        self.assertGone(handle)


class MaxContainers(harness.DmcdTestCase):
    server_args = ("--max-containers", "2")

    def test_capacity_and_create_respect_max_containers(self):
        self.assertEqual(self.client.capacity()["max_containers"], 2)
        first = self.create()
        self.create()
        with self.assertRaises(GardenError) as caught:
            self.create()
        self.assertGardenError(caught, "")
        self.assertIn("max containers reached", caught.exception.message)
        self.client.destroy(first)
        self.create()
        self.assertEqual(len(self.client.list()), 2)


if __name__ == "__main__":
    harness.main()
