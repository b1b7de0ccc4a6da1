"""The emulator's controls: time, faults, reset, seeds, fixtures, snapshots, health.

Reachable only under `/admin` with the admin credential (`Authorization: Bearer <token>`), which
`convergent serve` prints once at first start (or takes from `--admin-token`).
"""
