"""The TOML configuration of docs/rules.md §7: a typed model and a loader that reports every
problem."""

from breakglass_gui.core.config.load import load_config, parse_config
from breakglass_gui.core.config.model import (
    Account,
    Approver,
    Config,
    MonitoringConfig,
    NotificationConfig,
    Operator,
    Organisation,
    ProvisioningConfig,
    RoleConfig,
    RotationConfig,
    SessionConfig,
    VaultConfig,
)

__all__ = [
    "Account",
    "Approver",
    "Config",
    "MonitoringConfig",
    "NotificationConfig",
    "Operator",
    "Organisation",
    "ProvisioningConfig",
    "RoleConfig",
    "RotationConfig",
    "SessionConfig",
    "VaultConfig",
    "load_config",
    "parse_config",
]
