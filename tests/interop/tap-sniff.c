/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tap-sniff: the far end of a tap interface for tests/interop/qemu-ipxe-net.sh.
 *
 *   tap-sniff IFNAME MAC SECONDS
 *
 * Watches the frames that arrive on IFNAME (a packet socket: what a
 * vhost-user-net in tap mode writes into the tap comes in there) and waits
 * for a DHCPDISCOVER from MAC: Ethernet from MAC, IPv4, UDP 68 -> 67, BOOTP
 * request whose client hardware address is MAC, DHCP message type 1.  It
 * answers each one with a DHCPOFFER sent out of IFNAME (so it goes to the
 * driver through the device's receive side), and then waits for the
 * DHCPREQUEST that takes the offer: the same transaction, message type 3,
 * the offered address as the requested one, our server identifier.
 *
 * Prints "ready" once listening, one line per frame seen, "DISCOVER ..." and
 * "REQUEST ..." when they come.  Exit status: 0 after the REQUEST, 1 when
 * SECONDS ran out (the last line says what was missing), 2 on usage or
 * socket errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

/* RFC 2131 / RFC 951 layout, offsets into the BOOTP message */
#define BOOTP_OP 0
#define BOOTP_XID 4
#define BOOTP_FLAGS 10
#define BOOTP_YIADDR 16
#define BOOTP_SIADDR 20
#define BOOTP_CHADDR 28
#define BOOTP_COOKIE 236
#define BOOTP_OPTIONS 240
#define BOOTP_MIN 300 /* RFC 951: the smallest BOOTP message */
#define BOOTREQUEST 1
#define BOOTREPLY 2
#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define OPT_PAD 0
#define OPT_MASK 1
#define OPT_REQ_IP 50
#define OPT_LEASE 51
#define OPT_MSG_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_END 255
/* iPXE's encapsulated option 175, its setting 0xb0 "no-pxedhcp": take the
 * offer at once instead of waiting for ProxyDHCP offers */
#define OPT_IPXE 175
#define IPXE_NO_PXEDHCP 0xb0

#define ETH_HLEN_ 14
#define IP_HLEN 20
#define UDP_HLEN 8

static const uint8_t cookie[4] = { 99, 130, 83, 99 };
static const uint8_t server_ip[4] = { 10, 0, 2, 2 };
static const uint8_t offer_ip[4] = { 10, 0, 2, 15 };
static const uint8_t server_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The DHCP option @code of the BOOTP message @b (@len bytes): its length, or -1. */
static int find_option(const uint8_t *b, size_t len, uint8_t code, const uint8_t **val)
{
	size_t i = BOOTP_OPTIONS;

	while (i < len) {
		uint8_t c = b[i];

		if (c == OPT_END)
			break;
		if (c == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 1 >= len || i + 2 + b[i + 1] > len)
			break;
		if (c == code) {
			*val = b + i + 2;
			return b[i + 1];
		}
		i += 2 + (size_t)b[i + 1];
	}
	return -1;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The BOOTP message of a UDP 68 -> 67 IPv4 frame from @mac whose client
 * hardware address is @mac, or NULL.
 */
static const uint8_t *bootp_from(const uint8_t *f, size_t len, const uint8_t *mac,
				 size_t *blen)
{
	size_t ihl;

	if (len < ETH_HLEN_ + IP_HLEN || memcmp(f + 6, mac, 6) || rd16(f + 12) != ETH_P_IP)
		return NULL;
	f += ETH_HLEN_;
	len -= ETH_HLEN_;
	ihl = (size_t)(f[0] & 0xf) * 4;
	if ((f[0] >> 4) != 4 || ihl < IP_HLEN || f[9] != IPPROTO_UDP ||
	    len < ihl + UDP_HLEN + BOOTP_OPTIONS)
		return NULL;
	if (rd16(f + ihl) != 68 || rd16(f + ihl + 2) != 67)
		return NULL;
	f += ihl + UDP_HLEN;
	len -= ihl + UDP_HLEN;
	if (f[BOOTP_OP] != BOOTREQUEST || memcmp(f + BOOTP_CHADDR, mac, 6) ||
	    memcmp(f + BOOTP_COOKIE, cookie, 4))
		return NULL;
	*blen = len;
	return f;
}

static uint8_t *put_option(uint8_t *o, uint8_t code, uint8_t len, const uint8_t *val)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, val, len);
	return o + 2 + len;
}

/* A DHCPOFFER of offer_ip for the DISCOVER @req, broadcast; returns its length. */
static size_t build_offer(uint8_t *f, const uint8_t *req, const uint8_t *mac)
{
	uint8_t *ip = f + ETH_HLEN_, *udp = ip + IP_HLEN, *b = udp + UDP_HLEN, *o;
	size_t blen = BOOTP_MIN, ulen = UDP_HLEN + blen, iplen = IP_HLEN + ulen;
	uint32_t sum;

	memset(f, 0, ETH_HLEN_ + iplen);
	memset(f, 0xff, 6);
	memcpy(f + 6, server_mac, 6);
	wr16(f + 12, ETH_P_IP);

	b[BOOTP_OP] = BOOTREPLY;
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	memcpy(b + BOOTP_XID, req + BOOTP_XID, 4);
	memcpy(b + BOOTP_FLAGS, req + BOOTP_FLAGS, 2);
	memcpy(b + BOOTP_YIADDR, offer_ip, 4);
	memcpy(b + BOOTP_SIADDR, server_ip, 4);
	memcpy(b + BOOTP_CHADDR, mac, 6);
	memcpy(b + BOOTP_COOKIE, cookie, 4);
	o = b + BOOTP_OPTIONS;
	o = put_option(o, OPT_MSG_TYPE, 1, (const uint8_t[]){ DHCP_OFFER });
	o = put_option(o, OPT_SERVER_ID, 4, server_ip);
	o = put_option(o, OPT_LEASE, 4, (const uint8_t[]){ 0, 0, 0x0e, 0x10 }); /* 1 h */
	o = put_option(o, OPT_MASK, 4, (const uint8_t[]){ 255, 255, 255, 0 });
	o = put_option(o, OPT_IPXE, 3, (const uint8_t[]){ IPXE_NO_PXEDHCP, 1, 1 });
	*o++ = OPT_END;

	wr16(udp, 67);
	wr16(udp + 2, 68);
	wr16(udp + 4, (uint16_t)ulen);

	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)iplen);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, server_ip, 4);
	memset(ip + 16, 0xff, 4);
	wr16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));

	/* UDP checksum over the pseudo-header and the datagram */
	sum = csum_add(0, ip + 12, 8);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	sum = csum_add(sum, udp, ulen);
	wr16(udp + 6, csum_fold(sum) ? csum_fold(sum) : 0xffff);
	return ETH_HLEN_ + iplen;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t frame[65536], offer[ETH_HLEN_ + IP_HLEN + UDP_HLEN + BOOTP_MIN];
	unsigned int m[6], frames = 0, discovers = 0;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t mac[6], xid[4];
	double start, deadline;
	int fd, i, ifindex;
	char c;

	if (argc != 4 ||
	    sscanf(argv[2], "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5], &c) != 6 ||
	    atoi(argv[3]) <= 0) {
		fprintf(stderr, "usage: tap-sniff IFNAME MAC SECONDS\n");
		return 2;
	}
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "tap-sniff: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "tap-sniff: packet socket: %s\n", strerror(errno));
		return 2;
	}
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "tap-sniff: bind to %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	start = now();
	deadline = start + atoi(argv[3]);
	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct pollfd pfd = { fd, POLLIN, 0 };
		const uint8_t *b, *v;
		double left = deadline - now();
		size_t blen;
		ssize_t len;
		int type;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		len = recvfrom(fd, frame, sizeof(frame), 0, (struct sockaddr *)&from, &fl);
		if (len < 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue; /* our own offers, and what the host sends the guest */
		frames++;
		printf("%.2fs frame %u: %zd bytes from %02x:%02x:%02x:%02x:%02x:%02x type 0x%04x\n",
		       now() - start, frames, len, frame[6], frame[7], frame[8], frame[9],
		       frame[10], frame[11], len >= 14 ? rd16(frame + 12) : 0);
		b = bootp_from(frame, (size_t)len, mac, &blen);
		if (!b || find_option(b, blen, OPT_MSG_TYPE, &v) != 1)
			continue;
		type = v[0];
		if (type == DHCP_DISCOVER) {
			discovers++;
			memcpy(xid, b + BOOTP_XID, 4);
			printf("DISCOVER %u from %s xid %02x%02x%02x%02x\n", discovers, argv[2],
			       xid[0], xid[1], xid[2], xid[3]);
			len = (ssize_t)build_offer(offer, b, mac);
			sll.sll_protocol = htons(ETH_P_IP);
			if (sendto(fd, offer, (size_t)len, 0, (struct sockaddr *)&sll,
				   sizeof(sll)) != len) {
				fprintf(stderr, "tap-sniff: send: %s\n", strerror(errno));
				return 2;
			}
			printf("OFFER %d.%d.%d.%d sent\n", offer_ip[0], offer_ip[1], offer_ip[2],
			       offer_ip[3]);
		} else if (type == DHCP_REQUEST && discovers &&
			   !memcmp(b + BOOTP_XID, xid, 4) &&
			   find_option(b, blen, OPT_REQ_IP, &v) == 4 && !memcmp(v, offer_ip, 4) &&
			   find_option(b, blen, OPT_SERVER_ID, &v) == 4 &&
			   !memcmp(v, server_ip, 4)) {
			printf("REQUEST from %s for %d.%d.%d.%d: our offer reached the driver\n",
			       argv[2], offer_ip[0], offer_ip[1], offer_ip[2], offer_ip[3]);
			return 0;
		}
	}
	printf("timeout: %u frames, %u DISCOVERs from %s, %s\n", frames, discovers, argv[2],
	       discovers ? "no REQUEST for our offer" : "no DISCOVER");
	return 1;
}
