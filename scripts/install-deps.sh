#!/usr/bin/env bash
# Installs the Debian packages enimap needs to build, test and run its demo.
# Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build
  libdpdk-dev dpdk-dev          # DPDK 22.11: EAL, ethdev, PMDs, rte_hash/lpm/fib/rcu, telemetry
  libyaml-dev                   # configuration
  libcmocka-dev                 # unit tests
  libmicrohttpd-dev             # the EC2 Query API's HTTP server
  libssl-dev                    # libcrypto: HMAC-SHA256 / SHA-256 for SigV4, CRC for the journal
  libcurl4-openssl-dev libjansson-dev  # the cluster's etcd client (HTTP + JSON: etcd's v3 gateway)
  etcd-server                   # the cluster tests start a real 3-member etcd
  clang-format cppcheck         # make lint
  clang libclang-rt-14-dev      # make fuzz and make sanitize: libFuzzer, ASan, UBSan
  iproute2 ethtool iputils-ping curl netcat-openbsd procps tcpdump python3  # end-to-end tests and the demo
  # the Ansible test (tests/ansible): Debian's ansible bundles the amazon.aws collection and
  # runs its modules with /usr/bin/python3, which needs Debian's boto3 (and netaddr for
  # the playbook's ansible.utils address filters)
  ansible python3-boto3 python3-botocore python3-netaddr
  prometheus                    # the metrics test: a real Prometheus server scrapes /metrics (promtool too)
  tshark                        # the capture test reads the engine's pcapng files
  isc-dhcp-client               # the DHCP test: dhclient configures guests from the engine (D14)
  cloud-init                    # the metadata test: cloud-init's EC2 data source crawls the engine's IMDS (D15)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The AWS CLI drives the API conformance tests; any aws on PATH will do.
command -v aws >/dev/null 2>&1 || missing+=(awscli)
# The crash test drives the API with boto3 from the python3 first on PATH.
python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(python3-boto3)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
