"""Live chat's in-memory channel layer: channels' own, with its expiry sweep run at most once a second.

channels' `InMemoryChannelLayer` sweeps every channel's queue and every group's members for what has expired on
each `receive` and each `group_send`: with N open sockets, every chat message (one group send, a receive on each
socket it reaches, and the receive each socket then waits in again) walks all N queues and all group memberships
several times, which made the sweep a quarter of a server's CPU per message at 200 conversations
(bench/README.md). Expiry is housekeeping (a message nobody read for `expiry` seconds, a membership older than
`group_expiry`), so once a second is as good; everything else is channels' own. channels has no setting for it,
hence this subclass.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

SWEEP_SECONDS = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):  # type: ignore[misc]
    _swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()
