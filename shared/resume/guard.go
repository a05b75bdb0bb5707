package resume

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// CheckURL is the one rule for a resume URL, applied where it enters (the
// webhook, the Export button) and again before downloading: an absolute
// https URL without user info whose host is one of hosts (case-insensitive).
// With no hosts configured every URL is refused (send contentBase64).
// Errors: apperr Invalid naming field.
func CheckURL(field string, hosts []string, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return apperr.InvalidField(field, "must be an absolute https URL")
	}
	if len(hosts) == 0 {
		return apperr.InvalidField(field, "cannot be downloaded: this deployment allows no resume hosts (RESUME_ALLOWED_HOSTS); send contentBase64")
	}
	if !allowedHost(hosts, u.Hostname()) {
		return apperr.InvalidField(field, "host %s is not an allowed resume host (RESUME_ALLOWED_HOSTS: %s)", u.Hostname(), strings.Join(hosts, ", "))
	}
	return nil
}

func allowedHost(hosts []string, host string) bool {
	for _, h := range hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// errBlockedAddress is what the dialer's Control hook answers for an
// address leverlink must not connect to.
var errBlockedAddress = errors.New("resume host resolves to a private, loopback or link-local address")

// blockedPrefixes are special-purpose ranges beyond what netip's predicates
// name: shared address space, IETF protocol assignments, benchmarking,
// reserved, NAT64 (which can reach private IPv4).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// publicAddr reports whether ip may be connected to: not private,
// loopback, link-local (cloud metadata at 169.254.169.254), multicast,
// unspecified or another special-purpose range. allowLoopback lets a test
// reach its 127.0.0.1 server.
func publicAddr(ip netip.Addr, allowLoopback bool) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return false
	case ip.IsLoopback():
		return allowLoopback
	case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast(),
		ip.IsMulticast(), ip.IsUnspecified():
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// guardedClient returns a copy of base (http.DefaultClient when nil) whose
// transport checks every address it connects to after DNS resolution (a
// net.Dialer Control hook), so a host that resolves, or re-resolves
// (DNS rebinding), to a private address is never reached; proxies are not
// used. Errors: Internal when base's transport is not an *http.Transport
// (it could not be guarded).
func guardedClient(base *http.Client, timeout time.Duration, allowLoopback bool) (*http.Client, error) {
	hc := http.Client{Timeout: timeout}
	if base != nil {
		hc = *base
	}
	var tr *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return nil, apperr.E(apperr.Internal, "resume: the HTTP client's transport %T cannot be guarded", t)
	}
	d := &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", errBlockedAddress, address)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !publicAddr(ip, allowLoopback) {
			return fmt.Errorf("%w: %s", errBlockedAddress, host)
		}
		return nil
	}}
	tr.Proxy = nil
	tr.DialContext = d.DialContext
	tr.DialTLSContext = nil
	hc.Transport = tr
	return &hc, nil
}
