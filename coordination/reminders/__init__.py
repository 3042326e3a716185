"""Reminders, escalations and event notifications: rules (pure), the sweep (which are due; the ledger), delivery."""
