"""The wearer's contact chain: first contact, then second, then third, until one answers.

Pure policy: it says which contact to call next and what a call result means. Placing calls,
texting and ring timing belong to the modem; the session decides when a chain starts.
A call counts only when answered; a missing result is treated as a failed call after a guard
time, so a lost result can never leave the chain waiting forever.
"""

from compat import ticks_add, ticks_diff


class ContactChain:
    def __init__(self, contacts, reason, now_ms, guard_ms, index=0):
        self.contacts = contacts
        self.reason = reason
        self.index = index
        self.guard_ms = guard_ms
        self.deadline = ticks_add(now_ms, guard_ms)
        self.done = False
        self.reached = None  # index of the contact who answered

    def call_action(self, now_ms):
        """The action that places the call to the current contact (and restarts the guard)."""
        self.deadline = ticks_add(now_ms, self.guard_ms)
        contact = self.contacts[self.index]
        return ("call", self.index, contact["phone"], self.reason)

    def result(self, index, outcome, now_ms):
        """Apply a call result. Returns journal/notify actions and the next call, if any."""
        if self.done or index != self.index:
            return [("journal", "call_result_ignored", {"index": index, "outcome": outcome})]
        name = self.contacts[index]["name"]
        if outcome == "answered":
            self.done = True
            self.reached = index
            return [
                ("journal", "contact_reached", {"index": index, "name": name,
                                                "reason": self.reason}),
                ("notify", "contact_reached", {"name": name}),
                ("persist",),
            ]
        actions = [("journal", "contact_unreached", {"index": index, "name": name,
                                                     "outcome": outcome})]
        self.index += 1
        if self.index >= len(self.contacts):
            self.done = True
            actions.append(("journal", "all_contacts_unreached", {"reason": self.reason}))
            actions.append(("notify", "contacts_unreached", {}))
            actions.append(("fallback", self.reason))
        else:
            actions.append(self.call_action(now_ms))
        actions.append(("persist",))
        return actions

    def tick(self, now_ms):
        if not self.done and ticks_diff(now_ms, self.deadline) >= 0:
            return self.result(self.index, "no_result", now_ms)
        return []

    def snapshot(self):
        return {"reason": self.reason, "index": self.index}
