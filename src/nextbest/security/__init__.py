"""Who may do what, and the record of what was done: API keys, roles, pseudonyms, the audit chain.

Pure code: no storage, no HTTP. The API's guard (``nextbest.api.security``) and the privacy
services use it.
"""
