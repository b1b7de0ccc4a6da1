"""Accounts, identities and credentials; request signatures; who is calling."""
