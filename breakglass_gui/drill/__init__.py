"""The embedded drill environment (SPEC §10): simulated AWS, Vault and federation on 127.0.0.1."""
