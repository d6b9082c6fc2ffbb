/* SPDX-License-Identifier: BSD-3-Clause */
/* emit.c - the rare part of stage 3: Ethernet rewrite with a VLAN tag added, changed or removed. */
#include "emit.h"

/* 802.1Q: the TCI's priority and DEI bits, kept when the VLAN id changes. */
#define VLAN_TCI_PCP_DEI 0xf000

__attribute__((noinline)) int l2_write_vlan(struct rte_mbuf *m, const struct pmeta *pm,
					    const uint8_t *dst, const uint8_t *src, uint16_t vlan)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const size_t addrs = 2 * RTE_ETHER_ADDR_LEN;

	if (pm->l2_len == RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr)) {
		if (vlan == 0) {
			/* untag: the addresses move over the tag */
			memmove((uint8_t *)eth + sizeof(struct rte_vlan_hdr), eth, addrs);
			eth =
			    (struct rte_ether_hdr *)rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
		} else {
			struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);
			uint16_t tci = pkt_ntoh16(vh->vlan_tci);

			vh->vlan_tci = pkt_hton16((uint16_t)((tci & VLAN_TCI_PCP_DEI) | vlan));
		}
	} else if (vlan != 0) {
		struct rte_vlan_hdr *vh;

		eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_vlan_hdr));
		if (eth == NULL)
			return -1;
		/* tag: the addresses move to the new front, the tag goes after
		 * them; the frame's own EtherType becomes the tag's */
		memmove(eth, (uint8_t *)eth + sizeof(struct rte_vlan_hdr), addrs);
		vh = (struct rte_vlan_hdr *)(eth + 1);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = pkt_hton16(vlan);
	}
	memcpy(&eth->dst_addr, dst, RTE_ETHER_ADDR_LEN);
	memcpy(&eth->src_addr, src, RTE_ETHER_ADDR_LEN);
	return 0;
}
