"""dmcd's StreamIn and StreamOut (protocol doc 3.10, 3.11)."""

import harness
from garden_client import ContainerNotFoundError, GardenError
from tars import entries, make_tar

TREE = {"a.txt": b"hello\n", "sub/": None, "sub/b.txt": b"<b> & \xff\n"}
ADD_ALICE = "id -u alice || adduser -D alice"


class Files(harness.DmcdTestCase):
    def setUp(self):
        super().setUp()
        self.h = self.create()

    def stream_in(self, destination, tree=None, user=""):
        data = make_tar(tree or TREE)
        self.client.stream_in(self.h, destination, [data[:700], data[700:]], user=user)

    def test_round_trip_of_a_directory_in_both_forms(self):
        self.stream_in("/tmp/in")
        self.assertEqual(self.sh(self.h, "cat /tmp/in/a.txt /tmp/in/sub/b.txt"),
                         (0, b"hello\n<b> & \xff\n", b""))
        named = entries(self.client.stream_out(self.h, "/tmp/in"))
        self.assertEqual(named[0], ("in/", None))
        self.assertEqual(sorted(named), sorted([("in/", None), ("in/a.txt", b"hello\n"),
                                                ("in/sub/", None),
                                                ("in/sub/b.txt", b"<b> & \xff\n")]))
        contents = entries(self.client.stream_out(self.h, "/tmp/in/"))
        self.assertEqual(contents[0], ("./", None))
        self.assertEqual(sorted(contents), sorted([("./", None), ("./a.txt", b"hello\n"),
                                                   ("./sub/", None),
                                                   ("./sub/b.txt", b"<b> & \xff\n")]))

    def test_a_single_file_streams_out_as_itself(self):
        self.stream_in("/tmp/one", {"f": b"x" * 5000})
        self.assertEqual(entries(self.client.stream_out(self.h, "/tmp/one/f")),
                         [("f", b"x" * 5000)])

    def test_the_destination_is_made_and_root_owns_what_root_streams(self):
        self.stream_in("/deep/new/dir")
        self.assertEqual(self.sh(self.h, "stat -c '%U %G' /deep/new/dir /deep/new/dir/sub/b.txt"),
                         (0, b"root root\nroot root\n", b""))

    def test_files_belong_to_the_user_who_streamed_them(self):
        self.assertEqual(self.sh(self.h, ADD_ALICE)[0], 0)
        self.stream_in("/home/alice/in", user="alice")
        status, out, _ = self.sh(self.h, "stat -c '%U %G' /home/alice/in /home/alice/in/a.txt "
                                          "/home/alice/in/sub/b.txt")
        self.assertEqual((status, out), (0, b"alice alice\n" * 3))

    def test_relative_paths_are_relative_to_the_users_home(self):
        self.assertEqual(self.sh(self.h, ADD_ALICE)[0], 0)
        self.stream_in("rel", {"f": b"home\n"}, user="alice")
        self.assertEqual(self.sh(self.h, "cat /home/alice/rel/f")[1], b"home\n")
        self.assertEqual(entries(self.client.stream_out(self.h, "rel/f", user="alice")),
                         [("f", b"home\n")])

    def test_a_user_cannot_write_where_it_may_not(self):
        self.assertEqual(self.sh(self.h, ADD_ALICE)[0], 0)
        with self.assertRaises(GardenError) as caught:
            self.stream_in("/root", {"nope": b"x"}, user="alice")
        self.assertGardenError(caught, "", status=500)
        self.assertIn("Permission denied", caught.exception.message)
        self.assertEqual(self.sh(self.h, "test -e /root/nope")[0], 1)

    def test_an_unknown_user_is_an_error_streaming_in(self):
        with self.assertRaises(GardenError) as caught:
            self.stream_in("/tmp/x", user="no-such-user")
        self.assertGardenError(caught, "", status=500)
        self.assertIn("error streaming in", caught.exception.message)

    def test_a_truncated_archive_is_an_error(self):
        data = make_tar({"big": b"y" * 10000})
        with self.assertRaises(GardenError) as caught:
            self.client.stream_in(self.h, "/tmp/t", [data[:3000]])
        self.assertGardenError(caught, "")

    def test_a_missing_source_is_an_error(self):
        with self.assertRaises(GardenError) as caught:
            self.client.stream_out(self.h, "/no/such/path")
        self.assertGardenError(caught, "", status=500)

    def test_unknown_container_is_a_typed_404_both_ways(self):
        handle = harness.unique_handle("never")
        with self.assertRaises(ContainerNotFoundError) as caught:
            self.client.stream_in(handle, "/tmp", [make_tar(TREE)])
        self.assertGardenError(caught, "ContainerNotFoundError", status=404)
        with self.assertRaises(ContainerNotFoundError) as caught:
            self.client.stream_out(handle, "/tmp")
        self.assertGardenError(caught, "ContainerNotFoundError", status=404)


if __name__ == "__main__":
    harness.main()
