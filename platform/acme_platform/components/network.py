"""Network: where the batch containers run (private subnets, NAT egress, S3 endpoint)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from acme_platform.settings import NetworkSettings


@dataclass(frozen=True)
class NetworkArgs:
    prefix: str
    region: str
    availability_zones: tuple[str, ...]
    settings: NetworkSettings


class Network(pulumi.ComponentResource):
    """A VPC with private subnets for tasks and a NAT gateway for SaaS API egress.

    Tasks have no public IP and their security group allows no inbound traffic, only
    HTTPS out. An S3 gateway endpoint keeps stage/state traffic (and ECR image layers,
    which are served from S3) off the NAT gateway, whose per-GB charge is the main
    network cost. With ``existingVpcId`` set, only the security group is created.
    """

    vpc_id: pulumi.Output[str]
    private_subnet_ids: list[pulumi.Output[str]]
    task_security_group: aws.ec2.SecurityGroup

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        s = args.settings

        if s.existing_vpc_id:
            self.vpc_id = pulumi.Output.from_input(s.existing_vpc_id)
            self.private_subnet_ids = [pulumi.Output.from_input(i) for i in s.existing_private_subnet_ids]
        else:
            self._create_vpc(name, args, child)

        self.task_security_group = aws.ec2.SecurityGroup(
            f"{name}-tasks",
            name=f"{args.prefix}-tasks",
            description="Batch tasks: no inbound, HTTPS out",
            vpc_id=self.vpc_id,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="HTTPS to SaaS APIs, Snowflake, AWS APIs",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=["0.0.0.0/0"],
                )
            ],
            opts=child,
        )
        self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids})

    def _create_vpc(self, name: str, args: NetworkArgs, child: pulumi.ResourceOptions) -> None:
        s = args.settings
        zones = args.availability_zones
        if not 1 <= s.nat_gateways <= len(zones):
            raise ValueError("natGateways must be between 1 and the number of zones")
        # /20 subnets: public ones first, private ones after.
        subnets = list(ipaddress.ip_network(s.vpc_cidr).subnets(new_prefix=20))
        if len(subnets) < 2 * len(zones):
            raise ValueError(f"{s.vpc_cidr} is too small for {len(zones)} zones of /20 subnets")

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=s.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": args.prefix},
            opts=child,
        )
        self.vpc_id = vpc.id
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": args.prefix}, opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            tags={"Name": f"{args.prefix}-public"},
            opts=child,
        )

        nat_ids: list[pulumi.Output[str]] = []
        private_route_tables: list[aws.ec2.RouteTable] = []
        self.private_subnet_ids = []
        for index, zone in enumerate(zones):
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=str(subnets[index]),
                tags={"Name": f"{args.prefix}-public-{zone}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}",
                subnet_id=public.id,
                route_table_id=public_rt.id,
                opts=child,
            )
            if index < s.nat_gateways:
                eip = aws.ec2.Eip(
                    f"{name}-nat-{zone}",
                    domain="vpc",
                    tags={"Name": f"{args.prefix}-nat"},
                    opts=child,
                )
                nat = aws.ec2.NatGateway(
                    f"{name}-nat-{zone}",
                    allocation_id=eip.id,
                    subnet_id=public.id,
                    tags={"Name": f"{args.prefix}-{zone}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
                nat_ids.append(nat.id)

            private = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=str(subnets[len(zones) + index]),
                tags={"Name": f"{args.prefix}-private-{zone}"},
                opts=child,
            )
            self.private_subnet_ids.append(private.id)
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                routes=[
                    aws.ec2.RouteTableRouteArgs(
                        cidr_block="0.0.0.0/0",
                        # Zones without their own NAT share the first ones (cost over HA).
                        nat_gateway_id=nat_ids[index % len(nat_ids)],
                    )
                ],
                tags={"Name": f"{args.prefix}-private-{zone}"},
                opts=child,
            )
            private_route_tables.append(private_rt)
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}",
                subnet_id=private.id,
                route_table_id=private_rt.id,
                opts=child,
            )

        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_route_tables],
            tags={"Name": f"{args.prefix}-s3"},
            opts=child,
        )
