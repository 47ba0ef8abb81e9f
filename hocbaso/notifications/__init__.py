"""Notifications to parents and staff through a pluggable sender (console/log by default;
e-mail, SMS, Zalo), with a delivery log."""
