# lwIP: the files the firmware uses.  Included by the top-level Makefile and
# by tests/fuzz/fuzz.mk (standalone) after LWIP_DIR is set.
LWIP_CORE := init def dns inet_chksum ip mem memp netif pbuf stats sys tcp tcp_in tcp_out timeouts udp
LWIP_IPV4 := dhcp etharp icmp ip4 ip4_addr
LWIP_SRCS := $(LWIP_CORE:%=$(LWIP_DIR)/src/core/%.c) $(LWIP_IPV4:%=$(LWIP_DIR)/src/core/ipv4/%.c) \
             $(LWIP_DIR)/src/netif/ethernet.c $(LWIP_DIR)/src/apps/sntp/sntp.c
