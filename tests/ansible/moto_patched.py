#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""moto_server with the two gaps of moto 5.x that ec2_vpc_subnet (amazon.aws
5.5) runs into mended, so that world.yml can be checked as a playbook against
a well-known EC2 emulator. A development aid, not a test and not a reference
for enimap's answers:

- a subnet's Ipv6CidrBlockAssociationSet renders its state as the text
  "{'State': 'associated'}" instead of "associated" (the module then sees no
  IPv6 block and tries to associate it again);
- RunInstances drops NetworkInterface.N.Ipv6Addresses.M.Ipv6Address (the
  instance's ENI gets no IPv6 address);
- AssociateAddress drops PrivateIpAddress (the EIP shows the ENI's primary);
- DescribeNetworkInterfaces shows an EIP only on the primary address, never
  on the secondary it is associated with;
- DescribeSubnets has no `ipv6-cidr-block-association.ipv6-cidr-block` nor
  `ipv6-cidr-block-association.state` filter (FilterNotImplementedError, HTTP 500).

usage: moto_patched.py -H 127.0.0.1 -p PORT   (moto_server's options)
"""
from moto.ec2.models import elastic_ip_addresses, instances, subnets
from moto.ec2.responses import elastic_ip_addresses as eip_responses
from moto.ec2.responses import elastic_network_interfaces as eni_responses
from moto.server import main

_filter = subnets.Subnet.get_filter_value


def _associated(self):
    return [a for a in self.ipv6_cidr_block_associations.values()
            if a["ipv6CidrBlockState"]["State"] == "associated"]


def ipv6_cidr_block_association_set(self):
    return [{"ipv6CidrBlock": a["ipv6CidrBlock"], "associationId": a["associationId"],
             "ipv6CidrBlockState": {"state": "associated"}} for a in _associated(self)]


def get_filter_value(self, filter_name, method_name=None):
    if filter_name == "ipv6-cidr-block-association.ipv6-cidr-block":
        return [a["ipv6CidrBlock"] for a in _associated(self)]
    if filter_name == "ipv6-cidr-block-association.state":
        return ["associated"] if _associated(self) else []
    return _filter(self, filter_name, method_name)


_prep_nics = instances.Instance.prep_nics


def prep_nics(self, nic_spec, *args, **kwargs):
    _prep_nics(self, nic_spec, *args, **kwargs)
    for nic in nic_spec:
        given = nic.get("Ipv6Addresses")
        if given and not nic.get("NetworkInterfaceId"):
            eni = self.nics[int(nic["DeviceIndex"])]
            eni.ipv6_addresses = [a["Ipv6Address"] if isinstance(a, dict) else a for a in
                                  (given.values() if isinstance(given, dict) else given)]


_associate = eip_responses.ElasticIPAddresses.associate_address


def associate_address(self):
    result = _associate(self)
    private_ip = self._get_param("PrivateIpAddress")
    for eip in self.ec2_backend.addresses:
        if eip.association_id == result.result["AssociationId"]:
            eip.chosen_private_ip = private_ip
    return result


def eip_private_ip(self):
    if not self.eni:
        return None
    return getattr(self, "chosen_private_ip", None) or self.eni.private_ip_address


_describe_enis = eni_responses.ElasticNetworkInterfaces.describe_network_interfaces


def describe_network_interfaces(self):
    """Each address carries the association of the EIP on it (set on the model's
    list just before moto renders it)."""
    on = {(e.eni.id, e.private_ip_address): e for e in self.ec2_backend.addresses if e.eni}
    for eni in self.ec2_backend.get_all_network_interfaces():
        for item in eni.private_ip_addresses:
            e = on.get((eni.id, item.get("PrivateIpAddress")))
            item.pop("Association", None)
            if e:
                item["Association"] = {"PublicIp": e.public_ip, "AllocationId": e.allocation_id,
                                       "AssociationId": e.association_id, "IpOwnerId": "amazon"}
    return _describe_enis(self)


instances.Instance.prep_nics = prep_nics
eni_responses.ElasticNetworkInterfaces.describe_network_interfaces = describe_network_interfaces
eip_responses.ElasticIPAddresses.associate_address = associate_address
elastic_ip_addresses.ElasticAddress.private_ip_address = property(eip_private_ip)
subnets.Subnet.ipv6_cidr_block_association_set = property(ipv6_cidr_block_association_set)
subnets.Subnet.get_filter_value = get_filter_value

if __name__ == "__main__":
    main()
