"""Incidents, routing, messages, delivery, acknowledgement and escalation."""
