"""Encryption at rest for the QSM tokens a relying party must keep (websafety.vault), with the
site's TOKEN_ENCRYPTION_KEYS, newest first."""
from websafety.vault import Vault, VaultError  # noqa: F401 (re-exported)

_vault = Vault("TOKEN_ENCRYPTION_KEYS")
encrypt = _vault.encrypt
decrypt = _vault.decrypt
encrypt_json = _vault.encrypt_json
decrypt_json = _vault.decrypt_json
