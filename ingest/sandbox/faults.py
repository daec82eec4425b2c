"""Injected provider faults: which requests fail, how, and how slowly."""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass

from ingest.sandbox.errors import DELIVERY_ERRORS


@dataclass(frozen=True)
class FaultRule:
    """One injected fault; a rule without status, code, rate, count or drop only adds latency."""

    channel: str
    error_rate: float | None = None
    status: int | None = None
    latency_ms: int = 0
    retry_after: int | None = None
    twilio_code: int | None = None
    count: int | None = None
    methods: tuple[str, ...] | None = None
    drop: bool = False

    @property
    def fails(self) -> bool:
        """Whether the rule fails requests rather than only slowing them down."""
        causes = (self.error_rate, self.status, self.twilio_code, self.count, self.retry_after)
        return self.drop or any(value is not None for value in causes)

    @property
    def is_delivery_error(self) -> bool:
        """Twilio 30xxx codes fail delivery after a 201, as the real network does, not the API call."""
        return self.channel == "sms" and self.twilio_code in DELIVERY_ERRORS

    def matches(self, channel: str, method: str) -> bool:
        """Whether a request to this channel's method is subject to the rule."""
        if channel != self.channel or (self.is_delivery_error and method != "create"):
            return False
        return self.methods is None or method.lower() in {name.lower() for name in self.methods}


@dataclass(frozen=True)
class FaultDecision:
    """What the fault rules do to one request."""

    latency_s: float = 0.0
    failure: FaultRule | None = None
    delivery_error: int | None = None


class Faults:
    """The active fault rules; a rule with a count affects exactly that many matching requests."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = rng or random.Random()
        self._ids = itertools.count(1)
        self._rules: dict[int, FaultRule] = {}
        self._remaining: dict[int, int] = {}

    def add(self, rule: FaultRule) -> int:
        """Activate a rule next to the existing ones and return its id."""
        with self._lock:
            rule_id = next(self._ids)
            self._rules[rule_id] = rule
            if rule.count is not None:
                self._remaining[rule_id] = rule.count
            return rule_id

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()
            self._remaining.clear()

    def decide(self, channel: str, method: str) -> FaultDecision:
        """Roll the dice for one request: latencies of matching rules add up, the first failure wins."""
        latency_ms = 0
        failure: FaultRule | None = None
        with self._lock:
            for rule_id, rule in list(self._rules.items()):
                if not rule.matches(channel, method):
                    continue
                counted = rule_id in self._remaining
                if counted and rule.fails and failure is not None:
                    continue
                latency_ms += rule.latency_ms
                if rule.fails and failure is None and (counted or self._rng.random() < self._rate(rule)):
                    failure = rule
                if counted:
                    self._consume(rule_id)
        if failure is not None and failure.is_delivery_error:
            return FaultDecision(latency_ms / 1000, delivery_error=failure.twilio_code)
        return FaultDecision(latency_ms / 1000, failure=failure)

    @staticmethod
    def _rate(rule: FaultRule) -> float:
        """A failing rule without an error rate fails every matching request."""
        return 1.0 if rule.error_rate is None else rule.error_rate

    def _consume(self, rule_id: int) -> None:
        """Use up one request of a counted rule and retire it when none are left."""
        if rule_id not in self._remaining:
            return
        self._remaining[rule_id] -= 1
        if self._remaining[rule_id] <= 0:
            del self._remaining[rule_id]
            del self._rules[rule_id]
