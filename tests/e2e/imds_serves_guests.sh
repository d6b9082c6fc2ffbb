#!/bin/bash
# SPEC D15, D16: the instance metadata service at 169.254.169.254, served by
# a real TCP stack (Linux's, in the engine's own namespace) and
# libmicrohttpd, read with curl from the instance namespaces: each instance
# gets its own metadata with EC2's listings, formats and 404s; IMDSv2
# tokens (TTL header, IP TTL 1 on the token's answer, bound to the
# instance, expiring; HttpTokens=required through the real AWS CLI); a
# guest claiming another's address still gets its own metadata; and after
# `aws ec2 assign-private-ip-addresses --allow-reassignment` the new
# owner's next read lists the moved address (the old one's does not), an
# ec2-net-utils-like agent on the standby adds it, and the EIP's traffic
# reaches the standby with no command run on either guest by hand.
. "$(dirname "$0")/lib.sh"
e2e_init imds
command -v curl >/dev/null || fail "curl missing"
command -v aws >/dev/null || fail "the AWS CLI is not installed"
api_yaml "$E2E_DIR/basic.yaml" "$E2E_TMP/api.yaml"
basic_topology
engine_start "$E2E_TMP/api.yaml"
grep -q "instance metadata service: 169.254.169.254:80" "$ENGINE_LOG" ||
	fail "the metadata service did not start: $(cat "$ENGINE_LOG")"

# md NAME PATH [CURL ARGS...]: GET http://169.254.169.254/PATH from NAME; the body
md() {
	local n=$1 p=$2
	shift 2
	nsx "$n" curl -sS --max-time 10 "$@" "http://169.254.169.254/$p"
}
# md_status NAME METHOD PATH [CURL ARGS...]: the HTTP status only
md_status() {
	local n=$1 m=$2 p=$3
	shift 3
	nsx "$n" curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X "$m" "$@" \
		"http://169.254.169.254/$p"
}
# expect_md NAME PATH WANT: the body is exactly WANT
expect_md() {
	local got
	got=$(md "$1" "$2") || fail "$1: GET /$2 failed"
	[ "$got" = "$3" ] || fail "$1: /$2 is '$got', not '$3'"
}

step "each instance reads its own identity (IMDSv1)"
expect_md web latest/meta-data/instance-id i-web
expect_md stby latest/meta-data/instance-id i-standby
expect_md web latest/meta-data/instance-type t3.medium
expect_md web latest/meta-data/local-ipv4 10.0.1.10
expect_md web latest/meta-data/mac 02:00:00:00:10:01
# the EIP is on web's secondary address, not its primary: no public-ipv4 (404)
[ "$(md_status web GET latest/meta-data/public-ipv4)" = 404 ] || fail "web has a public-ipv4"
expect_md web latest/meta-data/placement/availability-zone us-east-1a
expect_md web latest/meta-data/placement/region us-east-1
expect_md web latest/meta-data/local-hostname ip-10-0-1-10.us-east-1.compute.internal

step "listings as EC2 serves them: one name a line, directories with '/', no final newline"
md web latest/meta-data/ >"$E2E_TMP/md.list" || fail "meta-data listing"
for want in instance-id instance-type local-ipv4 mac network/ placement/ security-groups; do
	grep -qx "$want" "$E2E_TMP/md.list" || fail "meta-data/ has no '$want': $(cat "$E2E_TMP/md.list")"
done
grep -qx public-ipv4 "$E2E_TMP/md.list" && fail "meta-data/ lists public-ipv4 for web"
[ "$(tail -c 1 "$E2E_TMP/md.list" | od -An -c | tr -d ' ')" != '\n' ] || fail "a final newline"
expect_md web latest/meta-data/network/interfaces/macs/ 02:00:00:00:10:01/
mac=latest/meta-data/network/interfaces/macs/02:00:00:00:10:01
expect_md web $mac/interface-id eni-web
expect_md web $mac/device-number 0
expect_md web $mac/local-ipv4s "$(printf '10.0.1.10\n10.0.1.100')"
expect_md web $mac/public-ipv4s 198.51.100.10
expect_md web $mac/ipv4-associations/198.51.100.10 10.0.1.100
expect_md web $mac/ipv6s 2600:1f18:aaaa:bb01::10
expect_md web $mac/subnet-id subnet-e2e
expect_md web $mac/subnet-ipv4-cidr-block 10.0.1.0/24
expect_md web $mac/subnet-ipv6-cidr-blocks 2600:1f18:aaaa:bb01::/64
expect_md web $mac/vpc-id vpc-e2e
expect_md web $mac/vpc-ipv4-cidr-blocks 10.0.0.0/16
[ "$(md_status web GET latest/meta-data/network/interfaces/macs/02:00:00:00:20:01/interface-id)" = 404 ] ||
	fail "web reads standby's interface"
step "a path that names nothing: 404 with EC2's page"
md web latest/meta-data/no-such-thing >"$E2E_TMP/404.html"
grep -q "<title>404 - Not Found</title>" "$E2E_TMP/404.html" || fail "404 page: $(cat "$E2E_TMP/404.html")"
[ "$(md_status web GET latest/meta-data/no-such-thing)" = 404 ] || fail "not a 404"
step "the instance identity document is JSON about the instance"
md web latest/dynamic/instance-identity/document >"$E2E_TMP/doc.json" || fail "no document"
/usr/bin/python3 - "$E2E_TMP/doc.json" <<'PY' || fail "document: $(cat "$E2E_TMP/doc.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["instanceId"] == "i-web" and d["privateIp"] == "10.0.1.10", d
assert d["region"] == "us-east-1" and d["availabilityZone"] == "us-east-1a", d
assert d["instanceType"] == "t3.medium" and d["accountId"] == "000000000000", d
PY

step "IMDSv2: a token request without its TTL header is refused (400), with one it gets a token"
[ "$(md_status web PUT latest/api/token)" = 400 ] || fail "a PUT without TTL was not 400"
[ "$(md_status web PUT latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 21601')" = 400 ] ||
	fail "a TTL of 21601 was not refused"
[ "$(md_status web PUT latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
	-H 'X-Forwarded-For: 10.9.9.9')" = 403 ] || fail "a proxied token request was not refused"
# the token's answer leaves with IP TTL 1: seen on the guest's wire
nsx web timeout 15 tcpdump -l -n -v -i eth0 -c 20 'tcp and src host 169.254.169.254' \
	>"$E2E_TMP/ttl.txt" 2>/dev/null &
dump=$!
sleep 1
tok=$(md web latest/api/token -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') ||
	fail "no token"
[ ${#tok} -ge 40 ] || fail "token '$tok'"
sleep 1
kill "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
grep -q "ttl 1," "$E2E_TMP/ttl.txt" || fail "the token's answer was not sent with TTL 1: $(cat "$E2E_TMP/ttl.txt")"
step "the token opens the metadata; a wrong one or another instance's is 401"
expect_md web latest/meta-data/instance-id i-web -H "X-aws-ec2-metadata-token: $tok"
[ "$(md_status web GET latest/meta-data/instance-id -H 'X-aws-ec2-metadata-token: nope')" = 401 ] ||
	fail "a made-up token was not 401"
[ "$(md_status stby GET latest/meta-data/instance-id -H "X-aws-ec2-metadata-token: $tok")" = 401 ] ||
	fail "standby used web's token"
step "a token lives for its TTL only"
short=$(md web latest/api/token -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 2') || fail "no token"
[ "$(md_status web GET latest/meta-data/instance-id -H "X-aws-ec2-metadata-token: $short")" = 200 ] ||
	fail "a fresh 2-second token was refused"
sleep 3
[ "$(md_status web GET latest/meta-data/instance-id -H "X-aws-ec2-metadata-token: $short")" = 401 ] ||
	fail "an expired token still works"

step "HttpTokens=required through the AWS CLI: IMDSv1 is refused (401), IMDSv2 still works"
out=$(ec2 modify-instance-metadata-options --instance-id i-web --http-tokens required --output text) ||
	fail "modify-instance-metadata-options: $out"
case "$out" in *required*) ;; *) fail "modify-instance-metadata-options said: $out" ;; esac
out=$(ec2 describe-instances --instance-ids i-web \
	--query 'Reservations[0].Instances[0].MetadataOptions.HttpTokens' --output text)
[ "$out" = required ] || fail "describe-instances: HttpTokens $out"
[ "$(md_status web GET latest/meta-data/instance-id)" = 401 ] || fail "IMDSv1 still answered"
expect_md stby latest/meta-data/instance-id i-standby # only i-web's options changed
got=$(md web latest/meta-data/instance-id -H "X-aws-ec2-metadata-token: $tok")
[ "$got" = i-web ] || fail "IMDSv2 after required: '$got'"
ec2 modify-instance-metadata-options --instance-id i-web --http-put-response-hop-limit 65 \
	>"$E2E_TMP/hop.out" 2>&1 && fail "a hop limit of 65 was accepted"
grep -q InvalidParameterValue "$E2E_TMP/hop.out" || fail "hop limit 65: $(cat "$E2E_TMP/hop.out")"
ec2 modify-instance-metadata-options --instance-id i-nope --http-tokens optional \
	>"$E2E_TMP/nf.out" 2>&1 && fail "an unknown instance was accepted"
grep -q InvalidInstanceID.NotFound "$E2E_TMP/nf.out" || fail "i-nope: $(cat "$E2E_TMP/nf.out")"
ec2 modify-instance-metadata-options --instance-id i-web --http-tokens optional >/dev/null ||
	fail "back to optional"

step "a guest claiming another's address still reads its own metadata (identity by MAC)"
addr_add stby eth0 10.0.1.10/32
got=$(md stby latest/meta-data/instance-id --interface 10.0.1.10) || fail "stby as 10.0.1.10"
[ "$got" = i-standby ] || fail "standby claiming 10.0.1.10 was answered as '$got'"
nsx stby ip addr del 10.0.1.10/32 dev eth0

step "cloud-init's EC2 data source crawls the metadata and renders the secondary addresses"
# cloud-init's own modules (Debian's cloud-init, on /usr/bin/python3): the
# crawl its Ec2 data source makes (a dated version, the whole meta-data/
# tree, the identity document), then its network-config rendering
nsx web /usr/bin/python3 - >"$E2E_TMP/cloud-init.out" 2>&1 <<'PY' ||
import json, logging
from cloudinit.sources.helpers import ec2
from cloudinit.sources.DataSourceEc2 import convert_ec2_metadata_network_config
logging.basicConfig(level=logging.WARNING)
url = "http://169.254.169.254"
md = ec2.get_instance_metadata("2021-03-23", url, retries=1, timeout=5)
ident = ec2.get_instance_identity("2021-03-23", url, retries=1, timeout=5)
assert md["instance-id"] == "i-web", md
assert md["local-ipv4"] == "10.0.1.10", md
assert ident["document"]["instanceId"] == "i-web", ident
mac = "02:00:00:00:10:01"
nic = md["network"]["interfaces"]["macs"][mac]
assert nic["local-ipv4s"] == ["10.0.1.10", "10.0.1.100"], nic
cfg = convert_ec2_metadata_network_config(md["network"], macs_to_nics={mac: "eth0"})
eth0 = cfg["ethernets"]["eth0"]
assert eth0["match"]["macaddress"] == mac and eth0["dhcp4"], cfg
assert "10.0.1.100/24" in eth0["addresses"], cfg
print(json.dumps(cfg, sort_keys=True))
PY
	fail "cloud-init: $(cat "$E2E_TMP/cloud-init.out")"
grep -q '10.0.1.100/24' "$E2E_TMP/cloud-init.out" || fail "cloud-init: $(cat "$E2E_TMP/cloud-init.out")"

step "failover: the moved secondary shows in the new owner's metadata and an agent brings it up"
expect_ping inet 198.51.100.10
out=$(ec2 assign-private-ip-addresses --network-interface-id eni-standby \
	--private-ip-addresses 10.0.1.100 --allow-reassignment) || fail "reassign: $out"
expect_md stby latest/meta-data/network/interfaces/macs/02:00:00:00:20:01/local-ipv4s \
	"$(printf '10.0.1.20\n10.0.1.200\n10.0.1.100')"
expect_md web $mac/local-ipv4s 10.0.1.10
[ "$(md_status web GET $mac/public-ipv4s)" = 404 ] || fail "web still lists the EIP"
expect_md stby latest/meta-data/network/interfaces/macs/02:00:00:00:20:01/ipv4-associations/198.51.100.10 10.0.1.100
nsx stby ip -4 addr show dev eth0 | grep -q "10.0.1.100" && fail "stby had 10.0.1.100 before the agent"
# scripts/imds-agent.sh: what ec2-net-utils does, from the metadata alone
nsx stby bash "$E2E_DIR/../../scripts/imds-agent.sh" --once || fail "the agent failed on stby"
nsx stby ip -4 addr show dev eth0 | grep -q "inet 10.0.1.100/24" || fail "the agent did not add 10.0.1.100"
nsx web ip -4 addr show dev eth0 | grep -q "10.0.1.100" || fail "web lost 10.0.1.100 before its agent ran"
nsx web bash "$E2E_DIR/../../scripts/imds-agent.sh" --once || fail "the agent failed on web"
nsx web ip -4 addr show dev eth0 | grep -q "10.0.1.100" && fail "web's agent did not remove 10.0.1.100"
nsx web ip -4 addr show dev eth0 | grep -q "inet 10.0.1.10/24" || fail "web's agent removed its primary"
http_serve stby 10.0.1.100 "hello from i-standby"
expect_http inet http://198.51.100.10/ "hello from i-standby"

step "the counters: answers per ENI, tokens, refusals"
[ "$(ctl guest eni-web | awk '$1 == "imds-answers" {print $2}')" -ge 10 ] ||
	fail "eni-web's answers: $(ctl guest eni-web)"
[ "$(ctl guest | awk '$1 == "imds-tokens" {print $2}')" -ge 3 ] || fail "guest: $(ctl guest)"
[ "$(ctl guest | awk '$1 == "imds-unauthorized" {print $2}')" -ge 4 ] || fail "guest: $(ctl guest)"
[ "$(ctl guest | awk '$1 == "imds-refused" {print $2}')" -ge 3 ] || fail "guest: $(ctl guest)"
step "the same counters on the Prometheus endpoint"
nsx rtr curl -sS --max-time 5 http://127.0.0.1:9464/metrics >"$E2E_TMP/metrics.txt" || fail "no /metrics"
metric() { awk -v k="$1" '$1 == k {print $2}' "$E2E_TMP/metrics.txt"; }
[ "$(metric 'enimap_eni_metadata_answers_total{eni="eni-web",instance="i-web"}')" -ge 10 ] ||
	fail "metrics: $(grep metadata "$E2E_TMP/metrics.txt")"
[ "$(metric 'enimap_metadata_responses_total{outcome="token"}')" -ge 3 ] ||
	fail "metrics: $(grep metadata "$E2E_TMP/metrics.txt")"
[ "$(metric 'enimap_metadata_responses_total{outcome="unauthorized"}')" -ge 4 ] ||
	fail "metrics: $(grep metadata "$E2E_TMP/metrics.txt")"
pass "the metadata service answers each instance about itself"
