"""The listening sockets of `amx serve` and `amx studio --web`."""

from __future__ import annotations

import asyncio
import socket

from daemon.sockets import bound_socket


def test_accepted_connections_send_at_once() -> None:
    # asyncio sets TCP_NODELAY only on sockets named as TCP; without it every keep-alive answer
    # written in two parts (headers, then body) waited 40 ms for the client's delayed ACK.
    async def accepted_nodelay() -> int:
        found: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                found.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listening = bound_socket("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        port = listening.getsockname()[1]
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            value = await asyncio.wait_for(found, 10)
            writer.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0
