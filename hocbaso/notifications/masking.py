"""Addresses as shown in pages, logs and audit data: enough to recognise, not to reuse."""

from __future__ import annotations


def mask_address(address: str) -> str:
    """``0912345678`` → ``091****678``; ``an.nguyen@example.vn`` → ``a***@example.vn``."""
    address = address.strip()
    if "@" in address:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    address = "".join(address.split())  # "+84 912 345 678" → "+84912345678"
    if len(address) <= 6:
        return "*" * len(address)
    return f"{address[:3]}{'*' * (len(address) - 6)}{address[-3:]}"
