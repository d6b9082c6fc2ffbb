#!/bin/bash
# SPEC R29 end to end: the real AWS CLI launches an instance with a
# secondary address (run-instances --network-interfaces); the placement rule
# puts it behind host-new (the only port of launch.host_ports), and when the
# call returns it forwards: web pings its secondary address across the VPC,
# the internet pings the EIP associated with it. terminate-instances then
# deletes its ENI (delete on termination): nothing answers any more.
. "$(dirname "$0")/lib.sh"
e2e_init launch
command -v aws >/dev/null || fail "the AWS CLI is not installed"
# basic.yaml with the API on, a third host port and a launch rule naming it
awk -v j="$E2E_TMP/journal" '
	$0 == "  enabled: false" {
		print "  enabled: true"
		print "  listen: \"127.0.0.1:8787\""
		print "  region: us-east-1"
		print "  journal: \"" j "\""
		print "  credentials:"
		print "    - {access_key_id: AKIAE2ETEST00000000, secret_access_key: e2eSecretKey00000000000000000000000000000}"
		next
	}
	$0 == "      mac: \"02:00:00:00:00:03\"" {
		print
		print "    - name: host-new"
		print "      role: host"
		print "      device: \"net_af_packet3,iface=new,qpairs=1\""
		print "      mac: \"02:00:00:00:00:04\""
		next
	}
	{ print }
	END { print "launch: {host_ports: [host-new]}" }' "$E2E_DIR/basic.yaml" >"$E2E_TMP/launch.yaml"
grep -q "host-new" "$E2E_TMP/launch.yaml" && grep -q "enabled: true" "$E2E_TMP/launch.yaml" ||
	fail "could not make the configuration"
basic_topology
ns_add new
link_add new new eth0 02:00:00:00:30:01
engine_start "$E2E_TMP/launch.yaml"

EC2_TIMEOUT=60 # RunInstances of many at once

step "run-instances with a secondary address"
out=$(ec2 run-instances --image-id ami-0abcdef1234567890 --instance-type t3.medium \
	--network-interfaces '[{"DeviceIndex":0,"SubnetId":"subnet-e2e","PrivateIpAddresses":[{"PrivateIpAddress":"10.0.1.50","Primary":true},{"PrivateIpAddress":"10.0.1.150","Primary":false}]}]' \
	--query 'Instances[0].[InstanceId,State.Name,NetworkInterfaces[0].MacAddress]' \
	--output text) || fail "run-instances failed: $out"
echo "$out"
read -r iid state mac <<<"$out"
[ "$state" = running ] || fail "the instance is $state, not running"
case "$mac" in 02:*) ;; *) fail "no MAC address in the answer: $out" ;; esac
ctl dump | grep -q "^instance $iid .* port=3 " || fail "not placed on host-new: $(ctl dump | grep "$iid")"

# the instance's stack: the ENI's MAC and addresses
nsx new ip link set eth0 address "$mac" || fail "set the MAC"
addr_add new eth0 10.0.1.50/24 10.0.1.150/24
netns_route "$T-new" add default via 10.0.1.1 src 10.0.1.150 || fail "default route in new"

step "web reaches the launched instance's secondary address"
expect_ping web 10.0.1.150
expect_ping web 10.0.1.50

step "an EIP on the secondary address: the internet reaches it"
alloc=$(ec2 allocate-address --domain vpc --query AllocationId --output text) ||
	fail "allocate-address: $alloc"
pub=$(ec2 describe-addresses --allocation-ids "$alloc" --query 'Addresses[0].PublicIp' \
	--output text) || fail "describe-addresses: $pub"
ec2 associate-address --allocation-id "$alloc" --instance-id "$iid" \
	--private-ip-address 10.0.1.150 >/dev/null || fail "associate-address"
expect_ping inet "$pub"

step "terminate-instances: the ENI is deleted, nothing answers"
ec2 terminate-instances --instance-ids "$iid" >/dev/null || fail "terminate-instances"
expect_no_ping inet "$pub"
expect_no_ping web 10.0.1.150
out=$(ec2 describe-addresses --allocation-ids "$alloc" --query 'Addresses[0].AssociationId' \
	--output text) || fail "describe-addresses after terminate"
[ "$out" = None ] || fail "the EIP is still associated: $out"
pass "an instance launched through the EC2 API forwards when the call returns"
