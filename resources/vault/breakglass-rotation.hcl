# Break Glass: the reference rotation function's Vault/OpenBao policy (resources/rotation/).
#
# The function logs in with AppRole (its secret id sits in an SSM SecureString only its
# execution role may read), reads the record and writes the rotated one with check-and-set
# (the mount requires it), then revokes its own token. Nothing else: no metadata, no listing,
# no other path. Paths assume vault.kv_mount = "secret", kv_path_prefix = "breakglass/users".
# Give it with `token_no_default_policy = true`.

path "secret/data/breakglass/users/*" {
  capabilities = ["read", "update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}
