"""Tar streams for StreamIn, and reading the ones StreamOut returns."""

import io
import tarfile


def make_tar(entries):
    """A tar of {name: bytes} files and {name/: None} directories, in order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = 1700000000
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def big_file_tar(name, size, block=1 << 20, before_block=None):
    """A generator of one tar holding a file of `size` zero bytes, block by block.

    before_block(n) is called before the n-th block of data is yielded (so a
    test can hold the stream at a point it chooses).
    """
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, 1700000000
    yield info.tobuf(format=tarfile.GNU_FORMAT)
    zeros = bytes(block)
    sent = 0
    n = 0
    while sent < size:
        if before_block:
            before_block(n)
        piece = zeros[:min(block, size - sent)]
        sent += len(piece)
        n += 1
        yield piece
    yield bytes(-size % 512) + bytes(1024)


def entries(data):
    """[(name as written, with "/" after a directory's, bytes or None)] in archive order."""
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar:
            if member.isdir():
                out.append((member.name.rstrip("/") + "/", None))
            else:
                out.append((member.name, tar.extractfile(member).read() if member.isfile()
                            else None))
    return out
