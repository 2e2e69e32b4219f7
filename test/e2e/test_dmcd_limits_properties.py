"""dmcd's limit routes (3.12) and property routes (3.15)."""

import harness
import machine
from garden_client import ContainerNotFoundError, GardenError

MEMORY = 134217728


class Limits(harness.DmcdTestCase):
    def test_limits_echo_what_create_asked(self):
        handle = self.create(limits={"cpu_limits": {"limit_in_shares": 50},
                                     "memory_limits": {"limit_in_bytes": MEMORY},
                                     "pid_limits": {"max": 50}})
        self.assertEqual(self.client.limits(handle, "cpu"), {"limit_in_shares": 50})
        self.assertEqual(self.client.limits(handle, "memory"), {"limit_in_bytes": MEMORY})
        self.assertEqual(self.client.limits(handle, "disk"), {})
        self.assertEqual(self.client.limits(handle, "bandwidth"), {})

    def test_limits_are_enforced_by_the_cgroup(self):
        handle = self.create(limits={"memory_limits": {"limit_in_bytes": MEMORY},
                                     "pid_limits": {"max": 50}})
        self.assertEqual(machine.cgroup_file("memory", handle, "memory.limit_in_bytes").strip(),
                         str(MEMORY))
        self.assertEqual(machine.cgroup_file("pids", handle, "pids.max").strip(), "50")

    def test_no_limits_asked_reports_none(self):
        handle = self.create()
        self.assertEqual(self.client.limits(handle, "memory").get("limit_in_bytes", 0), 0)
        cpu = self.client.limits(handle, "cpu")
        self.assertEqual((cpu.get("limit_in_shares", 0), cpu.get("weight", 0)), (0, 0))

    def test_limits_of_an_unknown_container_are_a_typed_404(self):
        handle = harness.unique_handle("never")
        for kind in ("cpu", "memory", "disk", "bandwidth"):
            with self.subTest(kind=kind):
                with self.assertRaises(ContainerNotFoundError) as caught:
                    self.client.limits(handle, kind)
                self.assertGardenError(caught, "ContainerNotFoundError", status=404)


class Properties(harness.DmcdTestCase):
    def test_the_four_property_routes(self):
        handle = self.create(properties={"a": "1", "b": "2"})
        props = self.client.properties(handle)
        self.assertEqual((props["a"], props["b"]), ("1", "2"))
        self.assertEqual(self.client.property(handle, "a"), "1")
        self.assertEqual(self.client.set_property(handle, "c", "3"), {})
        self.assertEqual(self.client.property(handle, "c"), "3")
        self.assertEqual(self.client.set_property(handle, "a", "overwritten"), {})
        self.assertEqual(self.client.property(handle, "a"), "overwritten")
        self.assertEqual(self.client.remove_property(handle, "b"), {})
        props = self.client.properties(handle)
        self.assertNotIn("b", props)
        self.assertEqual((props["a"], props["c"]), ("overwritten", "3"))
        self.assertEqual(self.client.info(handle)["Properties"]["c"], "3")

    def test_a_missing_key_is_an_error_not_an_empty_value(self):
        handle = self.create()
        with self.assertRaises(GardenError) as caught:
            self.client.property(handle, "concourse:exit-status")
        self.assertGardenError(caught, "", status=500)
        self.assertIn("concourse:exit-status", caught.exception.message)

    def test_removing_a_missing_key_is_fine(self):
        handle = self.create()
        self.assertEqual(self.client.remove_property(handle, "never-set"), {})

    def test_keys_and_values_with_odd_characters_round_trip(self):
        handle = self.create()
        value = 'a b"c<d>&é\\ \u2028 +%2F'
        for key in ("concourse:exit-status", "with space", "plus+sign", "at@sign,comma"):
            with self.subTest(key=key):
                self.assertEqual(self.client.set_property(handle, key, value), {})
                self.assertEqual(self.client.property(handle, key), value)
                self.assertEqual(self.client.properties(handle)[key], value)

    def test_list_filters_on_properties_set_after_create(self):
        handle = self.create()
        tag = harness.unique_handle("tag")
        self.assertEqual(self.client.list({"tag": tag}), [])
        self.client.set_property(handle, "tag", tag)
        self.assertEqual(self.client.list({"tag": tag}), [handle])
        self.client.remove_property(handle, "tag")
        self.assertEqual(self.client.list({"tag": tag}), [])

    def test_an_unknown_container_is_a_typed_404_on_every_property_route(self):
        handle = harness.unique_handle("never")
        calls = {"properties": lambda: self.client.properties(handle),
                 "property": lambda: self.client.property(handle, "k"),
                 "set": lambda: self.client.set_property(handle, "k", "v"),
                 "remove": lambda: self.client.remove_property(handle, "k")}
        for name, call in calls.items():
            with self.subTest(route=name):
                with self.assertRaises(ContainerNotFoundError) as caught:
                    call()
                self.assertGardenError(caught, "ContainerNotFoundError", status=404)
                self.assertEqual(caught.exception.obj["Handle"], handle)


if __name__ == "__main__":
    harness.main()
