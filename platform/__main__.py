"""Pulumi entry point: read the stack config and the Meltano sources, build the platform."""

from pathlib import Path

import pulumi
from acme_platform.meltano_project import discover_sources
from acme_platform.settings import settings_from_config
from acme_platform.stack import build_platform, export_outputs, read_project_config

settings = settings_from_config(
    read_project_config(pulumi.get_project()),
    region=pulumi.Config("aws").require("region"),
    project_dir=Path(__file__).resolve().parent,
)
sources = discover_sources(settings.sources_dir)
if not sources:
    pulumi.log.warn(f"no sources found under {settings.sources_dir} (*/meltano.yml)")
export_outputs(build_platform(settings, sources))
