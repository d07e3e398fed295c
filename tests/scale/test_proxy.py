"""The suite's own TCP proxy: cut closes what it carries and refuses the rest; restore reopens
the same port; as a balancer it takes turns and passes over a target that is down."""
import socket
import socketserver
import threading

import pytest

from .proxy import TcpProxy

pytestmark = pytest.mark.live  # real sockets on 127.0.0.1, though no PostgreSQL or Redis


class Echo(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tag):
        self.tag = tag

        class Handler(socketserver.BaseRequestHandler):
            def handle(inner):
                while data := inner.request.recv(1024):
                    inner.request.sendall(self.tag + data)

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return self.server_address

    def stop(self):
        self.shutdown()
        self.server_close()


@pytest.fixture
def echo_servers():
    servers = []

    def start(tag):
        servers.append(Echo(tag))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def proxies():
    made = []

    def make(targets):
        made.append(TcpProxy(targets))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


def ask(address, message=b"ping"):
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(message)
        return sock.recv(1024)


def test_cut_and_restore(echo_servers, proxies):
    proxy = proxies(echo_servers(b"a:").address)
    assert ask(proxy.address) == b"a:ping"

    held = socket.create_connection(proxy.address, timeout=5)
    held.sendall(b"one")
    assert held.recv(1024) == b"a:one"
    port = proxy.port
    proxy.cut()
    assert held.recv(1024) == b""  # the open connection was closed
    held.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(proxy.address, timeout=5)

    proxy.restore()
    assert proxy.port == port and ask(proxy.address) == b"a:ping"


def test_round_robin_skips_a_target_that_is_down(echo_servers, proxies):
    a, b = echo_servers(b"a:"), echo_servers(b"b:")
    proxy = proxies([a.address, b.address])
    assert sorted(ask(proxy.address) for _ in range(4)) == [b"a:ping", b"a:ping", b"b:ping", b"b:ping"]
    b.stop()
    assert [ask(proxy.address) for _ in range(3)] == [b"a:ping"] * 3
