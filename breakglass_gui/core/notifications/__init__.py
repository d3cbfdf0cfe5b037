"""Notifications: channels that carry an incident's notices off the workstation."""
