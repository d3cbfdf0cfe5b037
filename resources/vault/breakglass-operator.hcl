# Break Glass: the operator's Vault/OpenBao policy (docs/rules.md §2.3, §8), least privilege.
#
# Exactly what the procedure does with its token and nothing more. Paths assume the config's
# defaults, vault.kv_mount = "secret" and vault.kv_path_prefix = "breakglass/users"; change
# both together. The drill installs this very file (drill/openbao.py), and readiness asks
# Vault for each capability below with sys/capabilities-self, naming any that is missing.
#
# Give it with `token_no_default_policy = true`: the token-self paths the app needs are
# granted here, so the `default` policy (cubbyhole, token creation, sys/tools ...) is not.

# Read the break-glass record; write a rotated one. The mount has cas_required = true, so
# every write must carry check-and-set (a concurrent change is refused, never overwritten).
path "secret/data/breakglass/users/*" {
  capabilities = ["read", "update"]
}

# Readiness: a record's existence, current version and age, without reading its values.
path "secret/metadata/breakglass/users/*" {
  capabilities = ["read"]
}

# The token's own life: look it up, keep it alive while the incident needs it, end it.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Readiness asks which of the above this token really has.
path "sys/capabilities-self" {
  capabilities = ["update"]
}
