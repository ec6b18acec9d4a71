package web

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address of the client that sent r: the one address the
// app uses, for the per-client limit of /resume (through c.RealIP) and for
// the loopback check of /metrics.
//
// It is the connection's peer, unless the operator says a reverse proxy of
// theirs is in front (--trust-proxy): then it is the last X-Forwarded-For
// entry, the one that proxy appended (or wrote) from its own socket. Every
// entry left of it, X-Real-IP and Forwarded are whatever the client chose to
// send, so none of them is ever read. This replaces echo's
// ExtractIPFromXFFHeader, which by default walks left past private,
// loopback and link-local entries: a client on the proxy's own network (a
// commune hall's LAN) could then name any address it liked and so dodge the
// per-client limit.
func clientAddr(r *http.Request, trustProxy bool) netip.Addr {
	if trustProxy {
		if a, ok := proxyAppended(r); ok {
			return a
		}
	}
	return peerAddr(r)
}

// proxyAppended is the last X-Forwarded-For entry, if it is an address. A
// proxy that adds a header line instead of extending the last one adds it
// last, so the last entry of the last line is the proxy's in both cases.
func proxyAppended(r *http.Request) (netip.Addr, bool) {
	xff := r.Header.Values("X-Forwarded-For")
	if len(xff) == 0 {
		return netip.Addr{}, false
	}
	last := xff[len(xff)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	last = strings.TrimSpace(last)
	last = strings.TrimSuffix(strings.TrimPrefix(last, "["), "]")
	a, err := netip.ParseAddr(last)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// peerAddr is the address at the other end of the connection; the zero
// Addr when RemoteAddr is not an address and port (never over TCP).
func peerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap().WithZone("")
}

// clientIP is clientAddr as echo's IPExtractor, so that c.RealIP() gives
// the same answer everywhere.
func clientIP(trustProxy bool) func(*http.Request) string {
	return func(r *http.Request) string {
		if a := clientAddr(r, trustProxy); a.IsValid() {
			return a.String()
		}
		return r.RemoteAddr
	}
}

// fromThisMachine tells whether r was sent from this machine, not relayed
// for someone else. A proxy on this host also connects over loopback, so a
// loopback peer proves nothing once a forwarding header is there: X-Real-IP
// or Forwarded (never read, so we cannot tell who the client is), or
// X-Forwarded-For without --trust-proxy (a proxy we were not told about).
// With --trust-proxy, the address that proxy appended must be loopback too.
// Asking for the token in every doubtful case costs a local client nothing:
// it can leave those headers out.
func fromThisMachine(r *http.Request, trustProxy bool) bool {
	if !peerAddr(r).IsLoopback() {
		return false
	}
	for _, h := range []string{"X-Real-IP", "Forwarded"} {
		if len(r.Header.Values(h)) > 0 {
			return false
		}
	}
	if len(r.Header.Values("X-Forwarded-For")) > 0 {
		if _, ok := proxyAppended(r); !ok || !trustProxy {
			return false
		}
	}
	return clientAddr(r, trustProxy).IsLoopback()
}
