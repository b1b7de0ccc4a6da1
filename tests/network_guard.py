"""Make any network socket fail while active: an `AF_INET`/`AF_INET6` socket cannot even be
created, and names cannot be resolved. Unix socket pairs (an event loop's wake-up pipe) still
work. Used to check that `mock_ovh()` answers with no socket opened."""

import contextlib
import socket

NETWORK = (socket.AF_INET, socket.AF_INET6)


class NetworkBlocked(OSError):
    pass


class _GuardedSocket(socket.socket):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is None and (family in NETWORK or family == -1):
            raise NetworkBlocked(f"a network socket was opened (family {family})")
        super().__init__(family, type, proto, fileno)


def _refuse(*args, **kwargs):
    raise NetworkBlocked(f"a network call was made: {args[:2]}")


@contextlib.contextmanager
def no_network():
    saved = socket.socket, socket.create_connection, socket.getaddrinfo
    socket.socket, socket.create_connection, socket.getaddrinfo = _GuardedSocket, _refuse, _refuse
    try:
        yield
    finally:
        socket.socket, socket.create_connection, socket.getaddrinfo = saved
