"""labctl.files — an output of the setup scripts written whole or not at all (the Python side of
common/afile.h): the sweep's outputs and run.json."""
import contextlib
import os


def write_whole(path, text):
    """path holds text whole or keeps what it held: a temporary beside it (O_EXCL|O_NOFOLLOW:
    no planted link followed), written, fsync'd and closed with every error raised (ENOSPC),
    then renamed over path; on any failure the temporary goes and the error propagates"""
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
