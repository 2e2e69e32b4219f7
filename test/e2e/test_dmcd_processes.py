"""dmcd's processes: Run with its streams, stdin, TTY, signals, users and env."""

import harness
from garden_client import ExecutableNotFoundError, GardenError

ROOT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
USER_PATH = "PATH=/usr/local/bin:/usr/bin:/bin"
ADD_ALICE = "id -u alice || adduser -D alice"


class Processes(harness.DmcdTestCase):
    def setUp(self):
        super().setUp()
        self.h = self.create()

    def test_run_gives_stdout_stderr_and_exit_status_apart(self):
        process = self.client.run(self.h, "sh", ["-c", "echo out; echo err >&2; exit 3"])
        self.assertEqual(process.status, 201)
        self.assertEqual(sorted(process.first_message), ["process_id", "stream_id"])
        self.assertTrue(process.id)
        self.assertIsInstance(process.stream_id, str)
        self.assertTrue(process.stream_id)
        self.assertEqual(process.wait(), 3)
        self.assertEqual((process.out(), process.err()), (b"out\n", b"err\n"))

    def test_exit_status_zero_is_sent(self):
        process = self.client.run(self.h, "true")
        self.assertEqual(process.wait(), 0)
        self.assertEqual(process.messages[-1], {"process_id": process.id, "exit_status": 0})

    def test_a_given_id_is_the_process_id_and_generated_ones_differ(self):
        process = self.client.run(self.h, "true", id="my-proc")
        self.assertEqual(process.id, "my-proc")
        self.assertEqual(process.wait(), 0)
        ids = set()
        for _ in range(2):
            other = self.client.run(self.h, "true")
            self.assertEqual(other.wait(), 0)
            ids.add(other.id)
        self.assertEqual(len(ids), 2)
        self.assertNotIn("", ids)

    def test_output_of_fast_processes_is_never_lost(self):
        for i in range(20):
            with self.subTest(i=i):
                self.assertEqual(self.run_to_end(self.h, "echo", [f"hello-{i}"]),
                                 (0, f"hello-{i}\n".encode(), b""))

    def test_a_mebibyte_of_output_arrives_whole(self):
        status, out, err = self.sh(self.h, "dd if=/dev/zero bs=1024 count=1024 2>/dev/null")
        self.assertEqual((status, len(out), out.count(0), err), (0, 1 << 20, 1 << 20, b""))

    def test_stdin_data_then_eof(self):
        self.assertEqual(self.run_to_end(self.h, "cat", stdin=b"hello\nworld"),
                         (0, b"hello\nworld", b""))

    def test_stdin_in_many_messages(self):
        pieces = [(b"%05d" % i) * 6400 for i in range(32)]  # 32 messages of 32000 bytes
        status, out, _ = self.run_to_end(self.h, "cat", stdin=iter(pieces))
        self.assertEqual(status, 0)
        self.assertEqual(out, b"".join(pieces))

    def test_empty_stdin_data_is_not_eof(self):
        process = self.client.run(self.h, "cat")
        process.write_stdin(b"")
        process.write_stdin(b"after empty\n")
        process.close_stdin()
        self.assertEqual(process.wait(), 0)
        self.assertEqual(process.out(), b"after empty\n")

    def test_stdin_stays_open_while_no_client_sends_anything(self):
        process = self.client.run(self.h, "sh", ["-c", "cat; echo cat-ended $?"])
        self.assertEqual(self.sh(self.h, "true")[0], 0)  # the server has had its chances
        self.assertFalse(process.finished.is_set())
        process.write_stdin(b"still open\n")
        process.close_stdin()
        self.assertEqual(process.wait(), 0)
        self.assertEqual(process.out(), b"still open\ncat-ended 0\n")

    def test_tty_has_the_default_size(self):
        self.assertEqual(self.run_to_end(self.h, "stty", ["size"], tty={}), (0, b"24 80\r\n", b""))

    def test_tty_size_from_the_spec(self):
        tty = {"window_size": {"columns": 100, "rows": 30}}
        self.assertEqual(self.run_to_end(self.h, "stty", ["size"], tty=tty), (0, b"30 100\r\n", b""))

    def test_tty_merges_stderr_and_ends_lines_with_crlf(self):
        status, out, err = self.sh(self.h, "printf 'new\\nline\\n'; echo oops >&2", tty={})
        self.assertEqual((status, out, err), (0, b"new\r\nline\r\noops\r\n", b""))

    def test_tty_resize_reaches_the_process(self):
        process = self.client.run(self.h, "sh", ["-c", "read line; stty size"], tty={})
        process.set_tty(123, 45)
        process.write_stdin(b"go\n")
        self.assertEqual(process.wait(), 0)
        self.assertEqual(process.out(), b"go\r\n45 123\r\n")

    def test_signal_kill_gives_137(self):
        process = self.client.run(self.h, "sleep", ["1000"])
        process.signal(1)
        self.assertEqual(process.wait(), 137)

    def test_signal_terminate_gives_143(self):
        process = self.client.run(self.h, "sleep", ["1000"])
        process.signal(0)
        self.assertEqual(process.wait(), 143)

    def test_a_process_trapping_terminate_exits_with_its_own_code(self):
        script = 'trap "exit 42" TERM; echo ready; while true; do sleep 0.05; done'
        process = self.client.run(self.h, "sh", ["-c", script])
        self.assertTrue(process.stdout.wait_for(lambda out: out == b"ready\n"))
        process.signal(0)
        self.assertEqual(process.wait(), 42)

    def test_signals_work_after_stdin_eof(self):
        process = self.client.run(self.h, "sleep", ["1000"], stdin=b"")
        self.assertEqual(self.sh(self.h, "true")[0], 0)
        process.signal(1)
        self.assertEqual(process.wait(), 137)

    def test_a_missing_executable_is_executable_not_found(self):
        for path in ("/bin/no-such-binary", "no-such-binary"):
            with self.subTest(path=path):
                with self.assertRaises(ExecutableNotFoundError) as caught:
                    self.client.run(self.h, path)
                self.assertGardenError(caught, "ExecutableNotFoundError", status=500)
                self.assertTrue(caught.exception.message)

    def test_a_process_id_in_use_is_refused_and_attachable(self):
        first = self.client.run(self.h, "cat", id="dup")
        with self.assertRaises(GardenError) as caught:
            self.client.run(self.h, "true", id="dup")
        self.assertGardenError(caught, "", status=500)
        self.assertRegex(caught.exception.message, r"already (in use|exists)")
        attached = self.client.attach(self.h, "dup", stdin=b"via attach\n")
        self.assertEqual(attached.wait(), 0)
        self.assertEqual(first.wait(), 0)
        self.assertEqual(first.out(), b"via attach\n")
        self.assertEqual(attached.out(), b"via attach\n")

    def test_env_is_container_env_then_process_env_each_name_once(self):
        handle = self.create(env=["CONTAINER_ENV=1", "TEST=hi"])
        status, out, _ = self.run_to_end(handle, "env", env=["TEST=hello", "FRUIT=banana"])
        self.assertEqual(status, 0)
        lines = out.decode().splitlines()
        start = lines.index("CONTAINER_ENV=1")
        self.assertEqual(lines[start:start + 3], ["CONTAINER_ENV=1", "TEST=hello", "FRUIT=banana"])
        names = [line.split("=", 1)[0] for line in lines]
        self.assertEqual(len(names), len(set(names)), lines)
        self.assertIn(ROOT_PATH, lines)
        self.assertIn("USER=root", lines)
        self.assertGreater(lines.index(ROOT_PATH), start + 2)
        self.assertGreater(lines.index("USER=root"), start + 2)

    def test_a_path_given_by_the_process_is_kept(self):
        status, out, _ = self.run_to_end(self.h, "env", env=["PATH=/usr/bin"])
        self.assertEqual(status, 0)
        lines = out.decode().splitlines()
        self.assertEqual([line for line in lines if line.startswith("PATH=")], ["PATH=/usr/bin"])

    def test_root_starts_in_its_home(self):
        self.assertEqual(self.run_to_end(self.h, "pwd"), (0, b"/root\n", b""))

    def test_a_user_added_in_the_container_runs_processes(self):
        self.assertEqual(self.sh(self.h, ADD_ALICE)[0], 0)
        status, out, _ = self.sh(self.h, "id -un; id -gn; pwd; echo $USER", user="alice")
        self.assertEqual((status, out), (0, b"alice\nalice\n/home/alice\nalice\n"))
        status, out, _ = self.run_to_end(self.h, "env", user="alice")
        self.assertIn(USER_PATH, out.decode().splitlines())
        status, out, _ = self.sh(self.h, "pwd; stat -c %U .", user="alice", dir="/tmp/a/b")
        self.assertEqual((status, out), (0, b"/tmp/a/b\nalice\n"))

    def test_a_numeric_user_needs_no_passwd_entry(self):
        status, out, _ = self.sh(self.h, "id -u; id -g; pwd", user="1001:1002")
        self.assertEqual((status, out), (0, b"1001\n1002\n/\n"))

    def test_rlimits_are_applied(self):
        status, out, _ = self.sh(self.h, "ulimit -n", rlimits={"nofile": 1000})
        self.assertEqual((status, out), (0, b"1000\n"))

    def test_a_process_starts_with_exactly_three_fds(self):
        self.assertEqual(self.run_to_end(self.h, "ls", ["/proc/self/fd"]),
                         (0, b"0\n1\n2\n3\n", b""))

    def test_run_in_an_unknown_container_is_a_typed_404(self):
        handle = harness.unique_handle("never")
        with self.assertRaises(GardenError) as caught:
            self.client.run(handle, "true")
        self.assertGardenError(caught, "ContainerNotFoundError", status=404)
        self.assertEqual(caught.exception.obj["Handle"], handle)

    def test_bind_mounts_without_an_image_are_refused(self):
        mounts = [{"src_path": "/tmp", "dst_path": "/mnt"}]
        with self.assertRaises(GardenError) as caught:
            self.client.run(self.h, "true", bind_mounts=mounts)
        self.assertGardenError(caught, "", status=500)

    def test_output_lines_are_not_reordered(self):
        script = "i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo line-$i; done"
        status, out, _ = self.sh(self.h, script)
        self.assertEqual(status, 0)
        expected = "".join(f"line-{i}\n" for i in range(1, 2001)).encode()
        self.assertEqual(out, expected)


if __name__ == "__main__":
    harness.main()
