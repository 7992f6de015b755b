"""The partner device's links, near and far, behind one send() that picks the right one.

Near: BLE (ble.link.PartnerLink), when connected. Far: the cellular link (a frame pipe such as
SMS), otherwise. Both share one ble.channel.Channel, so one counter space and one replay
window cover both transports: a frame heard on one cannot be replayed on the other.
"""


class PartnerLinks:
    def __init__(self, near=None, far=None):
        self.near = near
        self.far = far
        self.stats = {"near_tx": 0, "far_tx": 0, "unsent": 0}

    def receivers(self):
        return [link for link in (self.near, self.far) if link is not None]

    @property
    def connected(self):
        return self.near is not None and self.near.connected

    def send(self, msg):
        if self.near is not None and (self.near.connected or self.far is None):
            self.stats["near_tx"] += 1
            return self.near.send(msg)  # queued while it reconnects
        if self.far is not None:
            self.stats["far_tx"] += 1
            return self.far.send(msg)
        self.stats["unsent"] += 1
        return False
