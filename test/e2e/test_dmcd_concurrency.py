"""dmcd serves requests side by side: nothing waits behind a long one."""

import threading

import harness
from garden_client import Client
from tars import big_file_tar

BIG = 256 << 20


class Concurrency(harness.DmcdTestCase):
    def test_ping_and_list_answer_while_a_large_stream_in_runs(self):
        handle = self.create()
        held = threading.Event()
        release = threading.Event()

        def hold_half_way(block):
            if block == 128:  # 128 MiB sent: hold the upload open until released
                held.set()
                release.wait(120)

        errors = []

        def upload():
            try:
                self.client.stream_in(handle, "/tmp/big", big_file_tar("file", BIG,
                                                                       before_block=hold_half_way))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
            finally:
                held.set()

        uploader = threading.Thread(target=upload, daemon=True)
        uploader.start()
        try:
            self.assertTrue(held.wait(120), "the upload never got half way")
            self.assertEqual(errors, [])
            self.assertEqual(self.client.ping(), {})
            self.assertIn(handle, self.client.list())
            other = self.create()
            self.assertEqual(self.sh(other, "echo beside"), (0, b"beside\n", b""))
        finally:
            release.set()
        uploader.join(120)
        self.assertFalse(uploader.is_alive())
        self.assertEqual(errors, [])
        self.assertEqual(self.sh(handle, "stat -c %s /tmp/big/file"), (0, b"%d\n" % BIG, b""))

    def test_many_attached_processes_never_block_other_requests(self):
        handle = self.create()
        processes = [self.client.run(handle, "cat") for _ in range(10)]
        self.assertEqual(self.client.ping(), {})
        self.assertEqual(self.client.info(handle)["State"], "active")
        for i, process in enumerate(processes):
            process.write_stdin(b"%d\n" % i)
            process.close_stdin()
        for i, process in enumerate(processes):
            self.assertEqual(process.wait(), 0)
            self.assertEqual(process.out(), b"%d\n" % i)

    def test_parallel_create_run_destroy_loops_leave_nothing(self):
        handles, errors = [], []
        lock = threading.Lock()

        def loop(worker):
            client = Client(self.server.address)
            try:
                for i in range(3):
                    handle = harness.unique_handle(f"par{worker}")
                    with lock:
                        handles.append(handle)
                        self.env.handles.add(handle)
                    client.create(handle=handle)
                    process = client.run(handle, "echo", [f"{worker}-{i}"])
                    status = process.wait()
                    if (status, process.out()) != (0, f"{worker}-{i}\n".encode()):
                        errors.append(f"{handle}: {status} {process.out()!r}")
                    client.destroy(handle)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"worker {worker}: {e!r}")

        workers = [threading.Thread(target=loop, args=(w,)) for w in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(300)
        self.assertEqual(errors, [])
        self.assertEqual(len(handles), 12)
        listed = self.client.list()
        for handle in handles:
            self.assertNotIn(handle, listed)
            self.assertGone(handle)
        self.assertEqual(self.client.ping(), {})


if __name__ == "__main__":
    harness.main()
