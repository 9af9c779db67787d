"""The files a served session offers its page (screenshots): textual-serve's download
manager, bounded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

from textual_serve.app_service import AppService
from textual_serve.download_manager import DOWNLOAD_CHUNK_SIZE, Download, DownloadManager

from . import SCREENSHOT_LIFE
from .retention import Retention

DOWNLOAD_WAIT = 15.0
"""Seconds a download waits for each chunk from the app (a busy session on a loaded machine
can take several)."""


class Downloads(DownloadManager):
    """textual-serve's record of the files a session offers its page, bounded.

    textual-serve kept a record for every screenshot until it was downloaded, each holding
    its whole session, for as long as the server ran. Here a session's records follow
    :class:`Retention` (the count and the life; the child bounds the bytes), and go with
    their session. A dropped record's download is a 404.
    """

    def __init__(self, *, life: float = SCREENSHOT_LIFE) -> None:
        super().__init__()
        self.life = life
        self.records: dict[str, Download] = {}
        self.retention: dict[str, Retention] = {}  # by app service id

    def _expire(self) -> None:
        now = time.monotonic()
        for retention in self.retention.values():
            for key in retention.expire(now):
                self.records.pop(key, None)

    async def create_download(
        self,
        *,
        app_service: AppService,
        delivery_key: str,
        file_name: str,
        open_method: str,
        mime_type: str,
        encoding: str | None = None,
        name: str | None = None,
    ) -> None:
        self._expire()
        retention = self.retention.setdefault(app_service.app_service_id, Retention(life=self.life))
        for key in retention.add(delivery_key, 0, time.monotonic()):
            self.records.pop(key, None)
        self.records[delivery_key] = Download(
            app_service, delivery_key, file_name, open_method, mime_type, encoding, name=name
        )

    async def get_download_metadata(self, delivery_key: str) -> Download:
        self._expire()
        return self.records[delivery_key]  # KeyError: the server answers 404

    async def download(self, delivery_key: str) -> AsyncGenerator[bytes, None]:
        """The file's chunks, asked of the app one at a time."""
        record = self.records.get(delivery_key)
        if record is None:
            return
        try:
            while True:
                sent = await record.app_service.send_meta(
                    {
                        "type": "deliver_chunk_request",
                        "key": delivery_key,
                        "size": DOWNLOAD_CHUNK_SIZE,
                        "name": record.name,
                    }
                )
                if not sent:
                    return
                try:
                    chunk = await asyncio.wait_for(record.incoming_chunks.get(), DOWNLOAD_WAIT)
                except TimeoutError:
                    return
                if not chunk:
                    return
                yield chunk
        finally:
            self._forget(record)

    def _forget(self, record: Download) -> None:
        self.records.pop(record.delivery_key, None)
        retention = self.retention.get(record.app_service.app_service_id)
        if retention is not None:
            retention.discard(record.delivery_key)

    async def chunk_received(self, delivery_key: str, chunk: bytes | str) -> None:
        record = self.records.get(delivery_key)
        if record is None:
            return  # dropped, or its session gone
        if isinstance(chunk, str):
            chunk = chunk.encode(record.encoding or "utf-8")
        await record.incoming_chunks.put(chunk)

    async def cancel_app_downloads(self, app_service_id: str) -> None:
        """The session is ending: end its downloads, forget its records."""
        for key, record in list(self.records.items()):
            if record.app_service.app_service_id == app_service_id:
                del self.records[key]
                await record.incoming_chunks.put(b"")
        self.retention.pop(app_service_id, None)
