"""The embedded drill environment (docs/rules.md §10): simulated AWS and federation, a real OpenBao
as the drill's Vault, all on 127.0.0.1."""
