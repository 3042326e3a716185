"""The embedded broker (config.filesystem_broker) on a real folder: a reader never takes a message that is still being
written, two readers racing for the same files get each message exactly once, and a file that cannot be read is set
aside without stopping the consumer."""

import os
import threading
from queue import Empty

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError

from config import filesystem_broker


@pytest.fixture
def connect(tmp_path):
    options = {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
    }
    for folder in ("queue", "control"):
        (tmp_path / folder).mkdir()

    def open_connection():
        return Connection("filesystem://", transport=filesystem_broker.Transport, transport_options=options)

    return open_connection


def test_the_settings_use_this_transport_when_no_redis_is_set(settings):
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL.startswith("redis")
    else:
        assert settings.CELERY_BROKER_TRANSPORT == "config.filesystem_broker:Transport"
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert set(options) >= {"data_folder_in", "data_folder_out", "processed_folder"}


def test_a_message_is_invisible_until_it_is_whole(connect, tmp_path, monkeypatch):
    seen_while_writing = []

    class Spy:
        """A file whose write lets us look at the queue folder in the middle of it, as a racing reader would."""

        def __init__(self, file):
            self.file = file

        def write(self, data):
            self.file.write(data[:10])
            self.file.flush()
            with connect() as other:
                reader = other.default_channel
                seen_while_writing.append((reader._size("jobs"), _try_get(reader, "jobs")))
            return self.file.write(data[10:])

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    real_open = open
    monkeypatch.setattr(filesystem_broker, "open", lambda path, mode="r": Spy(real_open(path, mode)), raising=False)
    with connect() as connection:
        connection.default_channel._put("jobs", {"body": "x" * 100})
    monkeypatch.undo()

    assert seen_while_writing == [(0, None)]
    with connect() as connection:
        assert connection.default_channel._size("jobs") == 1
        assert connection.default_channel._get("jobs") == {"body": "x" * 100}
    assert os.listdir(tmp_path / "queue") == [] and os.listdir(tmp_path / "processed") == []


def _try_get(channel, queue):
    try:
        return channel._get(queue)
    except Empty:
        return None


def test_two_readers_racing_get_every_message_exactly_once(connect):
    count = 400
    received = [[], []]
    done = threading.Event()

    def read(into):
        with connect() as connection:
            channel = connection.default_channel
            while not (done.is_set() and channel._size("jobs") == 0):
                message = _try_get(channel, "jobs")
                if message is not None:
                    into.append(message["n"])

    readers = [threading.Thread(target=read, args=(into,)) for into in received]
    for reader in readers:
        reader.start()
    with connect() as connection:
        for n in range(count):
            connection.default_channel._put("jobs", {"n": n})
    done.set()
    for reader in readers:
        reader.join(timeout=60)

    assert sorted(received[0] + received[1]) == list(range(count))


def test_an_unreadable_file_is_kept_aside_and_the_next_message_still_comes(connect, tmp_path, caplog):
    (tmp_path / "queue" / "1_broken.jobs.msg").write_bytes(b"")
    (tmp_path / "queue" / ".2_unfinished.jobs.msg.part").write_bytes(b'{"n":')
    with connect() as connection:
        channel = connection.default_channel
        channel._put("jobs", {"n": 1})
        channel._put("other", {"n": 2})
        assert channel._size("jobs") == 2  # the empty one counts until a reader has looked at it
        assert channel._get("jobs") == {"n": 1}
        with pytest.raises(Empty):
            channel._get("jobs")
        assert channel._get("other") == {"n": 2}
        assert channel._purge("jobs") == 0

    assert (tmp_path / "processed" / "1_broken.jobs.msg.bad").read_bytes() == b""
    assert "1_broken.jobs.msg could not be read" in caplog.text
    assert os.listdir(tmp_path / "queue") == [".2_unfinished.jobs.msg.part"]  # a reader never takes a partial file


def test_purge_removes_only_the_queues_messages(connect, tmp_path):
    with connect() as connection:
        channel = connection.default_channel
        for n in range(3):
            channel._put("jobs", {"n": n})
        channel._put("other", {"n": 9})
        assert channel._purge("jobs") == 3
        assert channel._size("jobs") == 0 and channel._size("other") == 1


def test_a_failed_write_raises_a_channel_error_and_leaves_no_file(connect, tmp_path):
    with connect() as connection:
        channel = connection.default_channel
        with pytest.raises(TypeError):
            channel._put("jobs", {"not json": object()})
        assert os.listdir(tmp_path / "queue") == []
        (tmp_path / "queue").rmdir()
        with pytest.raises(ChannelError, match="Cannot add a message"):
            channel._put("jobs", {"n": 1})
