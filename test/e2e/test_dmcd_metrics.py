"""dmcd's GET /metrics: Prometheus' text format, read by a real parser.

The scrape is parsed with prometheus_client's text parser (Debian's
python3-prometheus-client), on the unix socket and on the TCP listener.
"""

import sys

import harness
import machine
from garden_client import ContainerNotFoundError
from garden_wire import exchange_plain

DEBIAN_PACKAGES = "/usr/lib/python3/dist-packages"


def import_parser():
    """prometheus_client's text parser, from Debian's package if this python3 is another."""
    try:
        from prometheus_client.parser import text_string_to_metric_families as parse
    except ImportError:
        if DEBIAN_PACKAGES in sys.path:
            return None
        sys.path.append(DEBIAN_PACKAGES)  # last: it only adds what this python3 lacks
        return import_parser()
    return parse


text_string_to_metric_families = import_parser()

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Family names as the parser gives them: a counter's without its "_total".
TYPES = {
    "dmc_container_cpu_seconds": "counter",
    "dmc_container_memory_usage_bytes": "gauge",
    "dmc_container_memory_limit_bytes": "gauge",
    "dmc_container_pids": "gauge",
    "dmc_container_oom_kills": "counter",
    "dmc_container_processes_running": "gauge",
    "dmc_containers": "gauge",
    "dmcd_requests": "counter",
    "dmcd_request_duration_seconds": "histogram",
}
PER_CONTAINER = ("dmc_container_cpu_seconds_total", "dmc_container_memory_usage_bytes",
                 "dmc_container_pids", "dmc_container_oom_kills_total",
                 "dmc_container_processes_running")
STATES = ("creating", "incomplete", "running", "stopped", "paused", "dead")


class Scrape:
    """One parsed scrape: families by name, and samples looked up by labels."""

    def __init__(self, text):
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def samples(self, name):
        family = name[:-len("_total")] if name.endswith("_total") else name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[:-len(suffix)] in self.families:
                family = name[:-len(suffix)]
        if family not in self.families:
            return []
        return [s for s in self.families[family].samples if s.name == name]

    def value(self, name, **labels):
        """The value of the one sample with exactly these labels, or None."""
        found = [s.value for s in self.samples(name) if s.labels == labels]
        return found[0] if found else None

    def handles(self, name):
        return {s.labels.get("handle") for s in self.samples(name)}


class Metrics(harness.DmcdTestCase):
    tcp = True

    def scrape(self, address=None):
        response = exchange_plain(address or self.server.address, "GET", "/metrics")
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.header("content-type"), CONTENT_TYPE)
        return Scrape(response.body.decode())

    def test_containers_and_requests_on_both_listeners(self):
        busy, idle = self.create(), self.create()
        process = self.client.run(busy, "sleep", ["1000"])
        unknown = harness.unique_handle("never")
        with self.assertRaises(ContainerNotFoundError):
            self.client.info(unknown)
        for address in (self.server.address, self.server.tcp_address):
            with self.subTest(address=address):
                scrape = self.scrape(address)
                self.check_families(scrape)
                self.check_containers(scrape, busy, idle)
                self.check_requests(scrape)
        process.signal(1)
        self.assertEqual(process.wait(), 137)

    def check_families(self, scrape):
        for name, type_ in TYPES.items():
            self.assertIn(name, scrape.families)
            self.assertEqual(scrape.families[name].type, type_, name)
        untyped = [f.name for f in scrape.families.values() if f.type == "untyped"]
        self.assertEqual(untyped, [])

    def check_containers(self, scrape, busy, idle):
        for name in PER_CONTAINER:
            self.assertLessEqual({busy, idle}, scrape.handles(name), name)
        self.assertEqual(scrape.value("dmc_container_processes_running", handle=busy), 1)
        self.assertEqual(scrape.value("dmc_container_processes_running", handle=idle), 0)
        self.assertGreaterEqual(scrape.value("dmc_container_pids", handle=busy), 2)
        self.assertGreater(scrape.value("dmc_container_memory_usage_bytes", handle=busy), 0)
        self.assertEqual(scrape.value("dmc_container_oom_kills_total", handle=busy), 0)
        for state in STATES:
            self.assertIsNotNone(scrape.value("dmc_containers", state=state), state)
        self.assertGreaterEqual(scrape.value("dmc_containers", state="running"), 2)

    def check_requests(self, scrape):
        for route, code, least in (("create", "200", 2), ("run", "201", 1), ("info", "404", 1)):
            counted = scrape.value("dmcd_requests_total", route=route, code=code)
            self.assertIsNotNone(counted, f"no dmcd_requests_total for {route} {code}")
            self.assertGreaterEqual(counted, least, f"{route} {code}")
        self.check_histogram(scrape, "create")

    def check_histogram(self, scrape, route):
        buckets = [s for s in scrape.samples("dmcd_request_duration_seconds_bucket")
                   if s.labels["route"] == route]
        bounds = [float(s.labels["le"]) for s in buckets]
        self.assertEqual(bounds, sorted(bounds))
        self.assertEqual(buckets[0].labels["le"], "0.001")
        self.assertEqual(buckets[-1].labels["le"], "+Inf")
        counts = [s.value for s in buckets]
        self.assertEqual(counts, sorted(counts), "buckets are cumulative")
        count = scrape.value("dmcd_request_duration_seconds_count", route=route)
        self.assertEqual(counts[-1], count)
        self.assertGreater(scrape.value("dmcd_request_duration_seconds_sum", route=route), 0)

    def test_an_unknown_route_is_counted_as_unknown(self):
        before = self.scrape().value("dmcd_requests_total", route="unknown", code="404") or 0
        response = exchange_plain(self.server.address, "GET", "/no/such/route/x1")
        self.assertEqual(response.status, 404)
        after = self.scrape().value("dmcd_requests_total", route="unknown", code="404")
        self.assertEqual(after, before + 1)
        self.assertFalse([s for s in self.scrape().samples("dmcd_requests_total")
                          if "x1" in s.labels["route"]])

    def test_a_memory_limit_is_exported_and_an_unlimited_container_has_none(self):
        limited = self.create(limits={"memory_limits": {"limit_in_bytes": 134217728}})
        free = self.create()
        scrape = self.scrape()
        self.assertEqual(scrape.value("dmc_container_memory_limit_bytes", handle=limited),
                         134217728)
        self.assertIsNone(scrape.value("dmc_container_memory_limit_bytes", handle=free))

    def test_a_destroyed_container_leaves_the_scrape(self):
        handle = self.create()
        scrape = self.scrape()
        self.assertIn(handle, scrape.handles("dmc_container_pids"))
        destroyed = scrape.value("dmcd_requests_total", route="destroy", code="200") or 0
        self.client.destroy(handle)
        scrape = self.scrape()
        for name in PER_CONTAINER:
            self.assertNotIn(handle, scrape.handles(name), name)
        self.assertEqual(
            scrape.value("dmcd_requests_total", route="destroy", code="200"), destroyed + 1)

    def test_cpu_seconds_grow_while_a_process_burns_cpu(self):
        handle = self.create()
        first = self.scrape().value("dmc_container_cpu_seconds_total", handle=handle)
        process = self.client.run(handle, "sh", ["-c", "while :; do :; done"])
        grew = machine.eventually(
            lambda: self.scrape().value("dmc_container_cpu_seconds_total", handle=handle)
            >= first + 0.2, timeout=30, interval=0.2)
        self.assertTrue(grew, "cpu seconds did not grow while a process burned cpu")
        process.signal(1)
        self.assertEqual(process.wait(), 137)


if __name__ == "__main__":
    if text_string_to_metric_families is None:
        print(f"{harness.SKIP_MARKER}: prometheus_client (python3-prometheus-client) is not "
              f"importable by {sys.executable}", flush=True)
        sys.exit(0)
    harness.main()
