"""A chunked request body is handed on with its length: whole when within the limit, one byte past it when over."""

from __future__ import annotations

import io

from dispatch.bodies import ChunkedBodies


class Trickle(io.RawIOBase):
    """A de-chunking input: it hands over a few bytes at a time, however many are asked for."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self.data, self.step = data, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        part, self.data = self.data[: min(self.step, size)], self.data[min(self.step, size) :]
        return part


def seen_by_the_app(environ: dict, limit: int = 100) -> dict:
    seen = {}

    def app(environ, start_response):
        seen.update(
            length=environ.get("CONTENT_LENGTH"), body=environ["wsgi.input"].read(), chunked="HTTP_TRANSFER_ENCODING" in environ
        )
        return [b""]

    ChunkedBodies(app, {"MAX_CONTENT_LENGTH": limit})(environ, lambda *args: None)
    return seen


def chunked(data: bytes) -> dict:
    return {"REQUEST_METHOD": "POST", "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": Trickle(data)}


def test_a_chunked_body_within_the_limit_arrives_whole_with_its_length():
    assert seen_by_the_app(chunked(b'{"title": "' + b"x" * 80 + b'"}')) == {
        "length": "93", "body": b'{"title": "' + b"x" * 80 + b'"}', "chunked": False,
    }  # fmt: skip


def test_a_chunked_body_over_the_limit_is_read_one_byte_past_it_and_no_further():
    seen = seen_by_the_app(chunked(b"y" * 1000))
    assert seen["length"] == "101" and seen["body"] == b"y" * 101


def test_a_body_with_its_length_is_left_alone():
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"abc")}
    assert seen_by_the_app(environ) == {"length": "3", "body": b"abc", "chunked": False}
