"""The two minimal services ``serving_floor.py`` measures, served by uvicorn from this directory.

Each answers ``GET /v1/clients/{id}/recommendations`` by reading the client's row and writing
one durable row, as a recommendation must at the least (its inputs in, its decision log out),
and returns about as many bytes of JSON as nextbest's answer. Nothing else: no key, no audit,
no decision. ``raw`` is a bare ASGI callable on async psycopg; ``fastapi`` is a FastAPI route
(a plain ``def``, so the thread-pool hop nextbest's route takes) with two dependencies and a
validated query parameter, on sync psycopg.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Annotated, Any

import orjson
import psycopg
from fastapi import Depends, FastAPI, Query, Request, Response

_DSN = os.environ.get("FLOOR_DSN", "")
_READ = "SELECT payload FROM floor_clients WHERE client_id = %s"
_WRITE = "INSERT INTO floor_log (client_id, body) VALUES (%s, %s)"


def _answer(client_id: str, payload: Any) -> bytes:
    return orjson.dumps({"client_id": client_id, "items": [payload] * 3})


# -- raw ASGI ---------------------------------------------------------------------------------

_pool: asyncio.Queue[psycopg.AsyncConnection[Any]] | None = None


async def _connections() -> asyncio.Queue[psycopg.AsyncConnection[Any]]:
    global _pool
    if _pool is None:
        pool: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        for _ in range(4):
            pool.put_nowait(await psycopg.AsyncConnection.connect(_DSN, autocommit=True))
        _pool = pool
    return _pool


async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    client_id = scope["path"].split("/")[3]
    pool = await _connections()
    connection = await pool.get()
    try:
        cursor = await connection.execute(_READ, (client_id,))
        row = await cursor.fetchone()
        payload = None if row is None else row[0]
        await connection.execute(_WRITE, (client_id, orjson.dumps(payload).decode()))
    finally:
        pool.put_nowait(connection)
    body = _answer(client_id, payload)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- FastAPI ----------------------------------------------------------------------------------

fastapi = FastAPI()
_local = threading.local()


def _connection() -> psycopg.Connection[Any]:
    connection: psycopg.Connection[Any] | None = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = psycopg.connect(_DSN, autocommit=True)
    return connection


async def _caller(request: Request) -> str | None:
    return request.headers.get("authorization")


async def _settings() -> int:
    return 1


@fastapi.get("/v1/clients/{client_id}/recommendations", dependencies=[Depends(_caller)])
def recommendations(
    client_id: str,
    _settings: Annotated[int, Depends(_settings)],
    channel: str = "IN_APP",
    limit: Annotated[int, Query(ge=1, le=20)] = 3,
) -> Response:
    connection = _connection()
    row = connection.execute(_READ, (client_id,)).fetchone()
    payload = None if row is None else row[0]
    connection.execute(_WRITE, (client_id, orjson.dumps(payload).decode()))
    return Response(_answer(client_id, payload), media_type="application/json")
