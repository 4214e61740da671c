"""Live chat's in-memory channel layer: channels' own, its expiry sweep at most once a second."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

from cellway import channel_layers


def test_the_setting_names_our_layer() -> None:
    assert isinstance(get_channel_layer(), channel_layers.InMemoryChannelLayer)


def test_the_sweep_runs_once_a_second_and_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"monotonic": 1000.0, "time": 5000.0}
    monkeypatch.setattr(channel_layers.time, "monotonic", lambda: clock["monotonic"])
    # channels stamps and checks expiry with time.time(): the same fake clock for both.
    import channels.layers

    monkeypatch.setattr(channels.layers.time, "time", lambda: clock["time"])
    layer = channel_layers.InMemoryChannelLayer(expiry=60)
    sweeps: list[float] = []
    real = channels.layers.InMemoryChannelLayer._clean_expired

    def counted(self: Any) -> None:
        sweeps.append(clock["monotonic"])
        real(self)

    monkeypatch.setattr(channels.layers.InMemoryChannelLayer, "_clean_expired", counted)

    async def run() -> None:
        await layer.group_add("chat.x", "a.inmemory!one")
        await layer.group_add("chat.x", "b.inmemory!two")
        for _ in range(50):  # many sends within one second: one sweep
            await layer.group_send("chat.x", {"type": "chat.changed"})
        assert len(sweeps) == 1
        # The queued messages outlive their expiry; a second later the next send sweeps them and, as channels
        # does, drops the channels that let them expire from their groups.
        clock["time"] += 61
        clock["monotonic"] += 1.5
        await layer.group_send("chat.x", {"type": "chat.changed"})
        assert len(sweeps) == 2
        assert layer.channels == {} and layer.groups.get("chat.x", {}) == {}

    asyncio.run(run())
