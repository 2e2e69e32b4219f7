"""dmcd's error objects (protocol doc 5) and the runc-only answers of section 8."""

import json

import harness
from garden_client import ContainerNotFoundError, GardenError
from garden_wire import exchange_plain
from tars import make_tar


class UnknownHandles(harness.DmcdTestCase):
    def test_every_per_container_route_answers_a_typed_404(self):
        h = harness.unique_handle("never")
        c = self.client
        calls = {
            "info": lambda: c.info(h), "destroy": lambda: c.destroy(h),
            "stop": lambda: c.stop(h, True), "metrics": lambda: c.metrics(h),
            "stream_in": lambda: c.stream_in(h, "/tmp", [make_tar({"f": b"x"})]),
            "stream_out": lambda: c.stream_out(h, "/tmp"),
            "limits/cpu": lambda: c.limits(h, "cpu"), "limits/memory": lambda: c.limits(h, "memory"),
            "limits/disk": lambda: c.limits(h, "disk"),
            "limits/bandwidth": lambda: c.limits(h, "bandwidth"),
            "grace_time": lambda: c.set_grace_time(h, 1), "properties": lambda: c.properties(h),
            "property": lambda: c.property(h, "k"), "set_property": lambda: c.set_property(h, "k", "v"),
            "remove_property": lambda: c.remove_property(h, "k"),
            "run": lambda: c.run(h, "true"), "attach": lambda: c.attach(h, "p"),
        }
        for name, call in calls.items():
            with self.subTest(route=name):
                with self.assertRaises(ContainerNotFoundError) as caught:
                    call()
                self.assertGardenError(caught, "ContainerNotFoundError", f"unknown handle: {h}", 404)
                self.assertEqual((caught.exception.obj["Handle"],
                                  caught.exception.obj["ProcessID"]), (h, ""))


class Unsupported(harness.DmcdTestCase):
    def assertPlainError(self, call):
        with self.assertRaises(GardenError) as caught:
            call()
        self.assertGardenError(caught, "", status=500)
        self.assertTrue(caught.exception.message)
        return caught.exception

    def assertRefusedCreate(self, **spec):
        handle = harness.unique_handle("refused")
        self.env.handles.add(handle)
        self.assertPlainError(lambda: self.client.create(handle=handle, **spec))
        self.assertNotIn(handle, self.client.list())
        self.assertGone(handle)

    def test_create_with_netin_is_refused(self):
        self.assertRefusedCreate(netin=[{"host_port": 8080, "container_port": 8080}])

    def test_create_with_a_network_is_refused(self):
        self.assertRefusedCreate(network="10.254.0.0/24")

    def test_a_remote_image_is_refused(self):
        self.assertRefusedCreate(image={"uri": "docker:///busybox"})
        with self.assertRaises(GardenError) as caught:
            self.client.create(handle=self.handle(), image={"uri": "oci:///x"})
        self.assertIn("oci", caught.exception.message)

    def test_image_uri_and_rootfs_together_are_refused(self):
        self.assertRefusedCreate(image={"uri": harness.Config.rootfs}, rootfs=harness.Config.rootfs)

    def test_a_plain_path_image_is_used(self):
        handle = self.create(image={"uri": harness.Config.rootfs})
        self.assertEqual(self.sh(handle, "cat /etc/dmc-rootfs")[1], b"dmc default rootfs (busybox)\n")

    def test_netin_route_is_a_plain_error(self):
        handle = self.create()
        self.assertPlainError(lambda: self.client.net_in(handle, 0, 8080))

    def test_netout_routes_never_claim_not_found(self):
        handle = self.create()
        for call in (lambda: self.client.net_out(handle, {}),
                     lambda: self.client.bulk_net_out(handle, [{"protocol": 1}])):
            try:
                self.assertEqual(call(), {})
            except GardenError as e:
                self.assertEqual(e.type, "")
                self.assertEqual(e.status, 500)

    def test_a_process_with_its_own_image_is_refused(self):
        handle = self.create()
        before = self.client.list()
        self.assertPlainError(lambda: self.client.run(handle, "true",
                                                      image={"uri": "docker:///busybox"}))
        self.assertEqual(self.client.list(), before)
        self.assertEqual(self.sh(handle, "true")[0], 0)


class ErrorShape(harness.DmcdTestCase):
    def test_an_error_is_exactly_the_five_keys_as_json(self):
        handle = harness.unique_handle("never")
        response = exchange_plain(self.server.address, "GET", f"/containers/{handle}/info")
        self.assertEqual(response.status, 404)
        self.assertEqual(response.header("content-type").split(";")[0], "application/json")
        self.assertEqual(json.loads(response.body),
                         {"Type": "ContainerNotFoundError", "Message": f"unknown handle: {handle}",
                          "Handle": handle, "ProcessID": "", "Binary": ""})


if __name__ == "__main__":
    harness.main()
