"""The wearer's contact chain: first contact, then second, then third, until one answers.

Pure policy: it says which contact to call next and what a call result means. Placing calls,
texting and ring timing belong to the modem; the session decides when a chain starts.
A call counts only when answered; a missing result is treated as a failed call after a guard
time, so a lost result can never leave the chain waiting forever.
"""

from compat import const, ticks_add, ticks_diff
from core.vocab import CALL, FALLBACK, JOURNAL, NOTIFY, PERSIST

NO_NETWORK_RETRY_MS = const(60000)  # no network: the same contact again after this


class ContactChain:
    def __init__(self, contacts, reason, now_ms, guard_ms, index=0):
        self.contacts = contacts
        self.reason = reason
        self.index = index
        self.guard_ms = guard_ms
        self.deadline = ticks_add(now_ms, guard_ms)
        self.done = False
        self.reached = None  # index of the contact who answered
        self.retry_at = None  # the network was down: call the same contact again then
        self.no_network = 0

    def call_action(self, now_ms):
        """The action that places the call to the current contact (and restarts the guard)."""
        self.retry_at = None
        self.deadline = ticks_add(now_ms, self.guard_ms)
        contact = self.contacts[self.index]
        return (CALL, self.index, contact["phone"], self.reason)

    def result(self, index, outcome, now_ms):
        """Apply a call result. Returns journal/notify actions and the next call, if any."""
        if self.done or index != self.index:
            return [(JOURNAL, "call_result_ignored", {"index": index, "outcome": outcome})]
        name = self.contacts[index]["name"]
        if outcome == "no_network":  # nobody was tried: this contact stays next in line
            self.no_network += 1
            self.retry_at = ticks_add(now_ms, NO_NETWORK_RETRY_MS)
            actions = [(JOURNAL, "call_no_network", {"index": index, "name": name})]
            if self.no_network == 1:
                actions.append((NOTIFY, "no_network", {}))
            return actions
        if outcome == "answered":
            self.done = True
            self.reached = index
            return [
                (JOURNAL, "contact_reached", {"index": index, "name": name,
                                              "reason": self.reason}),
                (NOTIFY, "contact_reached", {"name": name}),
                (PERSIST,),
            ]
        actions = [(JOURNAL, "contact_unreached", {"index": index, "name": name,
                                                   "outcome": outcome})]
        self.index += 1
        if self.index >= len(self.contacts):
            self.done = True
            actions.append((JOURNAL, "all_contacts_unreached", {"reason": self.reason}))
            actions.append((NOTIFY, "contacts_unreached", {}))
            actions.append((FALLBACK, self.reason))
        else:
            actions.append(self.call_action(now_ms))
        actions.append((PERSIST,))
        return actions

    def tick(self, now_ms):
        if self.done:
            return []
        if self.retry_at is not None:
            if ticks_diff(now_ms, self.retry_at) >= 0:
                return [self.call_action(now_ms)]
            return []
        if ticks_diff(now_ms, self.deadline) >= 0:
            return self.result(self.index, "no_result", now_ms)
        return []

    def next_deadline(self):
        return self.retry_at if self.retry_at is not None else self.deadline

    def snapshot(self):
        return {"reason": self.reason, "index": self.index}
