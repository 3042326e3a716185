"""The broker that needs no server (the embedded default): kombu's filesystem transport, made safe for two workers.

kombu's own transport creates a message's file and then writes into it, and a reader takes whatever file it finds.
A worker that lists the folder between the two takes an empty file: its consumer stops on the JSON error and the
message is gone. Here a message is written under a name no reader takes (a leading dot, a `.part` ending) and
renamed into place when it is whole, so a reader sees all of it or nothing. A reader claims a message by renaming it
into the processed folder beside the queue's (one rename wins when two workers race for the same file; a rename
within one filesystem never copies), then reads it. A message that cannot be read is kept there under `.bad` and
logged; the consumer goes on with the next one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".part"
UNREADABLE_SUFFIX = ".bad"


def message_queue(filename: str) -> str | None:
    """The queue a message file belongs to, from its name `<ms>_<uuid>.<queue>.msg`; None for any other file."""
    if filename.startswith(".") or not filename.endswith(".msg"):
        return None
    return filename.partition(".")[2].removesuffix(".msg")


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}{PARTIAL_SUFFIX}")
        data = str_to_bytes(dumps(payload))  # a payload that cannot be serialized fails here, before any file
        try:
            with open(partial, "wb") as file:
                file.write(data)
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add a message to {self.data_folder_out!r}: {exc}") from exc

    def _get(self, queue):
        os.makedirs(self.processed_folder, exist_ok=True)
        for filename in sorted(os.listdir(self.data_folder_in)):
            if message_queue(filename) != queue:
                continue
            claimed = os.path.join(self.processed_folder, filename)
            try:
                os.rename(os.path.join(self.data_folder_in, filename), claimed)
            except FileNotFoundError:
                continue  # another worker took it first
            except OSError as exc:
                raise ChannelError(f"Cannot claim the message {filename!r}: {exc}") from exc
            with open(claimed, "rb") as file:
                payload = file.read()
            try:
                message = loads(bytes_to_str(payload))
            except ValueError:
                os.replace(claimed, claimed + UNREADABLE_SUFFIX)
                logger.error("broker message %s could not be read (%d bytes); kept as %s%s",
                             filename, len(payload), claimed, UNREADABLE_SUFFIX)  # fmt: skip
                continue
            if not self.store_processed:
                os.remove(claimed)
            return message
        raise Empty()

    def _size(self, queue):
        return sum(1 for filename in os.listdir(self.data_folder_in) if message_queue(filename) == queue)

    def _purge(self, queue):
        count = 0
        for filename in os.listdir(self.data_folder_in):
            if message_queue(filename) == queue:
                with contextlib.suppress(FileNotFoundError):  # taken by a worker meanwhile
                    os.remove(os.path.join(self.data_folder_in, filename))
                    count += 1
        return count


class Transport(filesystem.Transport):
    Channel = Channel
