package web

import (
	"net"
	"net/url"
	"strconv"
)

// BrowserURL is the address of the web client for a room. An unspecified
// listen address (0.0.0.0, ::) becomes localhost, which browsers also treat
// as a secure context (camera and microphone allowed without TLS). Without
// a name the page asks for one, so an invite works as pasted.
func BrowserURL(scheme string, addr net.Addr, room, name string) string {
	host := addr.String()
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		host = net.JoinHostPort("localhost", strconv.Itoa(ta.Port))
	}
	u := scheme + "://" + host + "/?room=" + url.QueryEscape(room)
	if name != "" {
		u += "&name=" + url.QueryEscape(name)
	}
	return u
}
