"""Everything that talks to AWS: STS, the console sign-in URL, activity, revocation, rotation."""
