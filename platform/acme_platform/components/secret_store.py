"""Secrets: one Secrets Manager secret per source credential, encrypted with a dedicated CMK.

Only the *containers* are created here. Values are never in code or stack config: an
operator puts them with ``aws secretsmanager put-secret-value`` (see README). That keeps
credentials out of the Pulumi state file as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class SecretSpec:
    """A secret to create: ``key`` like ``stripe/extractor``, and what goes in it."""

    key: str
    description: str


@dataclass(frozen=True)
class SecretStoreArgs:
    prefix: str
    secrets: Sequence[SecretSpec]
    recovery_window_days: int = 30


class SecretStore(pulumi.ComponentResource):
    key: aws.kms.Key
    secrets: dict[str, aws.secretsmanager.Secret]

    def __init__(self, name: str, args: SecretStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        keys = [spec.key for spec in args.secrets]
        if len(keys) != len(set(keys)):
            raise ValueError(f"duplicate secret keys: {keys}")

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{args.prefix}: Secrets Manager secrets (source credentials)",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{args.prefix}-secrets",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.secrets = {
            spec.key: aws.secretsmanager.Secret(
                f"{name}-{spec.key.replace('/', '-')}",
                name=f"{args.prefix}/{spec.key}",
                description=spec.description,
                kms_key_id=self.key.arn,
                recovery_window_in_days=args.recovery_window_days,
                opts=child,
            )
            for spec in args.secrets
        }
        self.register_outputs({"secret_names": {key: s.name for key, s in self.secrets.items()}})

    def arn(self, key: str) -> pulumi.Output[str]:
        return self.secrets[key].arn
