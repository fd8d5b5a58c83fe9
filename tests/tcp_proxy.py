"""A loopback TCP forwarder in front of the model server, for the fault and overload tests."""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    """A loopback TCP forwarder: the model server 'appears' on its port when it starts and
    'goes away' (listener and open connections closed) when it stops.

    With `hold`, the first request whose bytes contain it is held back: `held` is set and
    nothing more is forwarded on that connection until `release` is set."""

    def __init__(self, port: int, target: tuple[str, int], hold: bytes | None = None) -> None:
        self.port, self.target, self.hold = port, target, hold
        self.held, self.release = threading.Event(), threading.Event()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            try:  # a blocked accept() keeps a merely closed socket listening; shutdown wakes it
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, self.hold), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, None), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, hold: bytes | None) -> None:
        try:
            while data := source.recv(65536):
                if hold is not None and hold in data and not self.held.is_set():
                    self.held.set()
                    self.release.wait(timeout=300)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
