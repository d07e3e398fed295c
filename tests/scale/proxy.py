"""A TCP forwarder on 127.0.0.1 that a test can cut and restore, and the same thing as a
round-robin load balancer in front of several instances.

``cut()`` closes every connection it carries and stops listening, so new connections are
refused: what the sites see when PostgreSQL or Redis goes away. ``restore()`` listens again on
the same port. One thread accepts; each connection gets two threads that copy bytes, which is
plenty for the few dozen pooled connections of a test.
"""
import itertools
import socket
import threading

HOST = "127.0.0.1"
CONNECT_TIMEOUT = 2


class TcpProxy:
    def __init__(self, targets, name="proxy", port=0):
        """``targets``: one (host, port), or a list of them to balance between (round-robin per
        connection; a target that refuses the connection is skipped)."""
        self.targets = [targets] if isinstance(targets[0], str) else list(targets)
        self.name = name
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._connections = set()
        self._listener = None
        self._accepting = None
        self.port = port
        self.accepted = 0
        self.restore()

    @property
    def address(self):
        return (HOST, self.port)

    @property
    def is_up(self):
        return self._listener is not None

    def restore(self):
        """Listen (again) on the same port."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((HOST, self.port))
            listener.listen(128)
            self.port = listener.getsockname()[1]
            self._listener = listener
            self._accepting = threading.Thread(
                target=self._accept_loop, args=(listener,), name=f"{self.name}-accept", daemon=True
            )
            self._accepting.start()

    def cut(self):
        """Drop every connection and refuse new ones until ``restore()``."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
        if listener is not None:
            _close(listener)
        for sock in connections:
            _close(sock)
        if self._accepting is not None:
            self._accepting.join(5)
            self._accepting = None

    def close(self):
        self.cut()

    def open_connections(self):
        with self._lock:
            return len(self._connections) // 2

    def upstream_ports(self):
        """The local ports of its open connections to the target: the client ports the target
        sees (PostgreSQL's pg_stat_activity.client_port). Its sockets on the clients' side have
        the port it listens on."""
        with self._lock:
            sockets = list(self._connections)
        ports = set()
        for sock in sockets:
            try:
                port = sock.getsockname()[1]
            except OSError:  # closed meanwhile
                continue
            if port != self.port:
                ports.add(port)
        return ports

    def _accept_loop(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: cut() or close()
            upstream = self._connect_upstream()
            if upstream is None:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut while we were connecting
                    _close(client)
                    _close(upstream)
                    return
                self._connections.update((client, upstream))
                self.accepted += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), name=f"{self.name}-pump", daemon=True).start()

    def _connect_upstream(self):
        for _ in range(len(self.targets)):
            target = self.targets[next(self._turn) % len(self.targets)]
            try:
                upstream = socket.create_connection(target, timeout=CONNECT_TIMEOUT)
            except OSError:
                continue  # that instance is down: the next one
            upstream.settimeout(None)
            return upstream
        return None

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # One direction ended: end the other too, as a real connection would.
            with self._lock:
                self._connections.discard(source)
                self._connections.discard(sink)
            _close(source)
            _close(sink)


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
