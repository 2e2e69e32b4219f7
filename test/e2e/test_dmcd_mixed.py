"""dmc and dmcd on one depot: each sees and drives what the other made."""

import subprocess

import harness
from garden_client import ContainerNotFoundError


class Mixed(harness.DmcdTestCase):
    def test_dmc_create_dmcd_run_dmc_attach_dmcd_destroy(self):
        handle = self.handle("mixed")
        made = self.env.dmc("create", "--handle", handle)
        self.assertEqual((made.returncode, made.stdout), (0, handle.encode() + b"\n"), made.stderr)
        self.assertIn(handle, self.client.list())
        self.assertEqual(self.client.info(handle)["State"], "active")
        script = 'read x; echo "got $x"; echo "err $x" >&2; exit 4'
        self.client.run(handle, "sh", ["-c", script], id="mixed-proc").abandon()
        attached = self.env.dmc("attach", handle, "mixed-proc", input=b"hi\n")
        self.assertEqual((attached.returncode, attached.stdout), (4, b"got hi\n"), attached.stderr)
        self.assertIn(b"err hi\n", attached.stderr)
        self.assertEqual(self.client.destroy(handle), {})
        self.assertGone(handle)
        self.assertNotIn(handle, self.env.listed())

    def test_a_process_started_by_dmc_is_attached_through_dmcd(self):
        handle = self.create()
        started = self.env.dmc("run", handle, "--detach", "--id", "from-dmc", "--",
                               "sh", "-c", 'read x; echo "got $x"; exit 6')
        self.assertEqual(started.returncode, 0, started.stderr)
        attached = self.client.attach(handle, "from-dmc", stdin=b"yo\n")
        self.assertEqual(attached.wait(), 6)
        self.assertEqual(attached.out(), b"got yo\n")

    def test_dmc_sees_properties_set_through_dmcd_and_destroys_for_it(self):
        tag = harness.unique_handle("tag")
        handle = self.create(properties={"tag": tag})
        listed = self.env.dmc("list", "--property", f"tag={tag}")
        self.assertEqual(listed.stdout, handle.encode() + b"\n")
        self.client.set_property(handle, "later", "v")
        self.assertEqual(self.env.dmc("property", handle, "later").stdout, b"v\n")
        self.assertEqual(self.env.dmc("destroy", handle).returncode, 0)
        with self.assertRaises(ContainerNotFoundError):
            self.client.info(handle)
        self.assertGone(handle)

    def test_dmc_and_dmcd_run_in_one_container_at_once(self):
        handle = self.create()
        cli = self.env.dmc_popen("run", handle, "--", "sh", "-c", "cat; echo cli-done",
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        api = self.client.run(handle, "sh", ["-c", "cat; echo api-done"])
        api.write_stdin(b"api\n")
        api.close_stdin()
        out, err = cli.communicate(b"cli\n", timeout=60)
        self.assertEqual((cli.returncode, out), (0, b"cli\ncli-done\n"), err)
        self.assertEqual(api.wait(), 0)
        self.assertEqual(api.out(), b"api\napi-done\n")


if __name__ == "__main__":
    harness.main()
